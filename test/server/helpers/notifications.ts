import { encryptRefundInfo, signV2, toXml } from '@fen/wxpay';
import { DEMO } from './stack.js';

/**
 * A payment notification exactly as WeChat would send it for `outTradeNo`, genuinely signed with
 * `key` (the demo merchant's unless a test forges one). Override any field to test a refusal.
 */
export function signedPaymentNotification(
  order: { outTradeNo: string; totalFen: number },
  overrides: Record<string, string> = {},
  key = DEMO.key,
): string {
  const fields: Record<string, string> = {
    return_code: 'SUCCESS',
    return_msg: 'OK',
    appid: DEMO.appId,
    mch_id: DEMO.mchId,
    nonce_str: Math.random().toString(36).slice(2, 18),
    result_code: 'SUCCESS',
    openid: 'o-notify-test',
    is_subscribe: 'N',
    trade_type: 'JSAPI',
    bank_type: 'OTHERS',
    total_fee: String(order.totalFen),
    cash_fee: String(order.totalFen),
    fee_type: 'CNY',
    transaction_id: `42000${Date.now()}${Math.floor(Math.random() * 1e6)}`,
    out_trade_no: order.outTradeNo,
    time_end: '20251122120000',
    ...overrides,
  };
  return toXml({ ...fields, sign: signV2(fields, key) });
}

/**
 * A refund notification as WeChat sends it (no sign; `req_info` is the proof): `info` encrypted
 * with `key` (the demo merchant's unless a test forges one), `envelope` overriding appid, mch_id
 * or req_info itself.
 */
export function refundNotification(
  info: Record<string, string>,
  envelope: Record<string, string> = {},
  key = DEMO.key,
): string {
  return toXml({
    return_code: 'SUCCESS',
    return_msg: 'OK',
    appid: DEMO.appId,
    mch_id: DEMO.mchId,
    nonce_str: Math.random().toString(36).slice(2, 18),
    req_info: encryptRefundInfo(info, key),
    ...envelope,
  });
}

/** POSTs raw XML to a notification route; returns the HTTP status and the XML reply. */
export async function postNotification(
  url: string,
  xml: string,
): Promise<{ status: number; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    body: xml,
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, text: await res.text() };
}

export const isSuccessReply = (text: string) =>
  text.includes('<return_code><![CDATA[SUCCESS]]></return_code>');
