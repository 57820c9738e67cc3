import { formatWxTime } from '@fen/wxpay';
import type { SandboxCore } from '../core.js';

const DAY_MS = 24 * 3600_000;
/** The API serves the last 3 months of bills [docs/merchant-ops.md, Bills]. */
const KEPT_MS = 93 * DAY_MS;

/**
 * Whether a day's bill (trade or fund flow) can be downloaded now, on the sandbox clock: a day
 * that is not over has none; until `billReadyHour` (Beijing) the next day it is being made; older
 * than 3 months it is gone. A ready day says when its snapshot was taken (`generatedAt`): a bill is
 * made once, so a refund still PROCESSING then stays PROCESSING in it.
 */
export type BillDay =
  | { kind: 'ready'; start: number; end: number; generatedAt: number }
  | { kind: 'invalid' }
  | { kind: 'none' }
  | { kind: 'creating' };

/** `date` is `yyyyMMdd` (APIv2) or `yyyy-MM-dd` (APIv3). */
export function billDay(core: SandboxCore, date: string): BillDay {
  const digits = /^\d{8}$/.test(date)
    ? date
    : /^\d{4}-\d{2}-\d{2}$/.test(date)
      ? date.replace(/-/g, '')
      : undefined;
  const start = digits === undefined ? undefined : beijingDayStart(digits);
  if (start === undefined) return { kind: 'invalid' };
  const end = start + DAY_MS;
  const generatedAt = end + core.options.billReadyHour * 3600_000;
  const now = core.clock.nowMs();
  if (now < end || now - start > KEPT_MS) return { kind: 'none' };
  if (now < generatedAt) return { kind: 'creating' };
  return { kind: 'ready', start, end, generatedAt };
}

/** Epoch ms of 00:00 Beijing time on `yyyyMMdd`, or undefined for a date that does not exist. */
function beijingDayStart(date: string): number | undefined {
  const ms =
    Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8))) -
    8 * 3600_000;
  return formatWxTime(new Date(ms)).slice(0, 8) === date ? ms : undefined;
}
