import { isIP } from 'node:net';
import { formatWxTime, parseWxTime } from '@fen/wxpay';

/** out_trade_no: 1–32 of `0-9 A-Z a-z _ - | * @` [docs/protocol.md §1]. */
export const OUT_TRADE_NO = /^[0-9A-Za-z_\-|*@]{1,32}$/;
/** out_refund_no: 1–64 of the same characters [docs/protocol.md §1]. */
export const OUT_REFUND_NO = /^[0-9A-Za-z_\-|*@]{1,64}$/;
/** transaction_id as the sandbox issues it: 28 digits. */
export const TRANSACTION_ID = /^\d{28}$/;

/** Integer fen, no sign, no decimal point, no leading zero, at most 10 digits. */
export const isFen = (value: string | undefined): value is string =>
  value !== undefined && /^[1-9]\d{0,9}$/.test(value);

export const isIp = (value: string) => isIP(value) !== 0;

const LOOPBACK = (host: string) =>
  host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);

/**
 * Why a notify_url is refused, or undefined when it is fine: at most 256 characters, an absolute
 * URL without a query string [docs/protocol.md §3.1]. WeChat requires https; the sandbox also takes
 * http for loopback hosts (and any host in `httpHosts`) so a laptop can receive notifications.
 */
export function notifyUrlProblem(url: string, httpHosts: readonly string[]): string | undefined {
  if (url.length > 256) return 'notify_url长度不能超过256';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'notify_url参数格式错误';
  }
  if (parsed.search || url.includes('?')) return 'notify_url不能携带参数';
  if (parsed.hash) return 'notify_url参数格式错误';
  if (parsed.username || parsed.password) return 'notify_url参数格式错误';
  if (parsed.protocol === 'https:') return undefined;
  if (
    parsed.protocol === 'http:' &&
    (LOOPBACK(parsed.hostname) || httpHosts.includes(parsed.hostname))
  ) {
    return undefined;
  }
  return 'notify_url必须是https地址';
}

/**
 * Parses `yyyyMMddHHmmss` (Beijing time) strictly: the 14 digits must name a real moment, so
 * `20250230…` is refused. Returns epoch ms or undefined.
 */
export function parseStrictWxTime(value: string): number | undefined {
  try {
    return parseWxTime(value).getTime();
  } catch {
    return undefined;
  }
}

/** `yyyy-MM-dd HH:mm:ss` in Beijing time (refund success_time, bill rows). */
export function beijingDateTime(ms: number): string {
  const t = formatWxTime(new Date(ms));
  return `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)} ${t.slice(8, 10)}:${t.slice(10, 12)}:${t.slice(12, 14)}`;
}

/** Integer fen → yuan with two decimals ("19.90"); negative amounts keep their sign. */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
