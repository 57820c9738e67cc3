import type { PaymentStateAtWeChat, RefundStateAtWeChat } from './payment-reports.js';

// WeChat Pay's words that both API versions share, and what they mean to the server.

/**
 * WeChat's trade types (docs/protocol.md §3.1), each with the APIv3 prepay path that places it
 * (`/v3/pay/transactions/{jsapi|app|native|h5}`, docs/protocol.md §6).
 */
export const V3_PREPAY_PATHS = {
  JSAPI: 'jsapi',
  APP: 'app',
  NATIVE: 'native',
  MWEB: 'h5',
} as const;

export type TradeType = keyof typeof V3_PREPAY_PATHS;
export type V3PrepayKind = (typeof V3_PREPAY_PATHS)[TradeType];

/** True for one of WeChat's trade types (a stored order's `trade_type`). */
export function isTradeType(value: string | undefined): value is TradeType {
  return value !== undefined && Object.hasOwn(V3_PREPAY_PATHS, value);
}

/** WeChat's trade_state words (the same in APIv2 and APIv3) → the server's. */
const PAYMENT_STATES: Record<string, PaymentStateAtWeChat> = {
  SUCCESS: 'PAID',
  REFUND: 'REFUNDED',
  NOTPAY: 'NOT_PAID',
  USERPAYING: 'PAYING',
  CLOSED: 'CLOSED',
  REVOKED: 'REVOKED',
  PAYERROR: 'FAILED',
};

export function paymentStateOf(tradeState: string | undefined): PaymentStateAtWeChat {
  return (tradeState !== undefined && PAYMENT_STATES[tradeState]) || 'UNKNOWN';
}

/** Refund status words: APIv2's (and APIv3's SUCCESS/PROCESSING) plus APIv3's CLOSED and ABNORMAL. */
const REFUND_STATES: Record<string, RefundStateAtWeChat> = {
  SUCCESS: 'SUCCESS',
  PROCESSING: 'PROCESSING',
  REFUNDCLOSE: 'REFUNDCLOSE',
  CHANGE: 'CHANGE',
  CLOSED: 'REFUNDCLOSE',
  ABNORMAL: 'CHANGE',
};

/** A refund status word → the server's; a word WeChat did not document is not final yet. */
export function refundStateOf(status: string | undefined): RefundStateAtWeChat {
  return (status !== undefined && REFUND_STATES[status]) || 'PROCESSING';
}

/**
 * An amount as WeChat wrote it → integer fen, or undefined unless it is exactly the decimal
 * digits of a safe integer (`0100`, `1e2` or `1.0` are not an amount Fen would have asked for).
 */
export function fenOf(text: string | number | undefined): number | undefined {
  if (typeof text === 'number') return Number.isSafeInteger(text) ? text : undefined;
  if (text === undefined || !/^(0|[1-9]\d{0,15})$/.test(text)) return undefined;
  const fen = Number(text);
  return Number.isSafeInteger(fen) ? fen : undefined;
}
