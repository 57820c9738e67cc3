import { formatWxTime } from '@fen/wxpay';
import type { SandboxCore } from './core.js';
import { newRefundId } from './ids.js';
import { OUT_REFUND_NO, TRANSACTION_ID, notifyUrlProblem } from './pay/validate.js';
import { refundedFee } from './state/orders.js';
import type { Order, Refund } from './state/orders.js';

/** At most 50 refunds per order [docs/protocol.md §3.4]. */
const MAX_REFUNDS_PER_ORDER = 50;
/** Integer fen as WeChat accepts it: 1 to 9,999,999,999. */
const isFenAmount = (value: number) =>
  Number.isSafeInteger(value) && value > 0 && value <= 9_999_999_999;

/**
 * A refund request as both APIs mean it, once its wire format (APIv2 XML or APIv3 JSON) is
 * decoded and the checks only that format has (field types, lengths, enums) are done.
 */
export interface RefundApplication {
  mchId: string;
  /** APIv2 only: an order placed under another appid does not exist to this caller. */
  appId?: string;
  /** Wins over outTradeNo when both are given. */
  transactionId?: string;
  outTradeNo?: string;
  outRefundNo: string;
  /** The order total the caller names, in fen (NaN when the wire value is not integer fen). */
  totalFee: number;
  /** The amount to refund, in fen (NaN when the wire value is not integer fen). */
  refundFee: number;
  refundAccount: string;
  refundDesc?: string;
  /** The request's notify_url (checked even when empty); absent: the merchant's `refundNotifyUrl`. */
  notifyUrl?: string;
  /** Sends the refund notification, in the caller's API format, once the refund succeeded. */
  notify: (order: Order, refund: Refund, notifyUrl: string) => void;
}

/** Why a refund request is refused; each API says it with its own error code. */
export type RefundRefusal =
  | 'NO_ORDER_REFERENCE'
  | 'TRANSACTION_ID_MALFORMED'
  | 'OUT_REFUND_NO_MALFORMED'
  | 'REFUND_FEE_MALFORMED'
  | 'TOTAL_FEE_MALFORMED'
  | 'NOTIFY_URL_MALFORMED'
  /** Unknown, unpaid, or under another appid: to the refund API it does not exist [docs/protocol.md §3.4]. */
  | 'ORDER_NOT_FOUND'
  /** The out_refund_no was used before with other amounts or another order. */
  | 'CHANGED_RETRY'
  | 'TOTAL_FEE_MISMATCH'
  | 'FULLY_REFUNDED'
  | 'EXCEEDS_REFUNDABLE'
  | 'TOO_MANY_REFUNDS';

/** What the rule decided: a refund (new, or the earlier one for a retry) or a refusal. */
export type RefundDecision =
  | { kind: 'refund'; order: Order; refund: Refund }
  | {
      kind: 'refused';
      reason: RefundRefusal;
      /** What is wrong with notify_url (NOTIFY_URL_MALFORMED only), in WeChat's words. */
      problem?: string;
    };

const refused = (reason: RefundRefusal, problem?: string): RefundDecision => ({
  kind: 'refused',
  reason,
  ...(problem !== undefined ? { problem } : {}),
});

/**
 * WeChat's refund rule, the same for APIv2 and APIv3 (one store, so a retry through either API
 * is the same refund) [docs/protocol.md §3.4, §6]: partial and repeated refunds up to the order total, at most
 * 50; idempotent by out_refund_no (a retry gets the same refund, a changed one is refused). A new
 * refund is PROCESSING, becomes SUCCESS after `refundDelaySeconds × timeScale`, then its
 * notification goes out.
 */
export function requestRefund(core: SandboxCore, application: RefundApplication): RefundDecision {
  const a = application;
  if (!a.transactionId && !a.outTradeNo) return refused('NO_ORDER_REFERENCE');
  if (a.transactionId && !TRANSACTION_ID.test(a.transactionId))
    return refused('TRANSACTION_ID_MALFORMED');
  if (!OUT_REFUND_NO.test(a.outRefundNo)) return refused('OUT_REFUND_NO_MALFORMED');
  if (!isFenAmount(a.refundFee)) return refused('REFUND_FEE_MALFORMED');
  if (!isFenAmount(a.totalFee)) return refused('TOTAL_FEE_MALFORMED');
  if (a.notifyUrl !== undefined) {
    const problem = notifyUrlProblem(a.notifyUrl, core.options.httpNotifyHosts);
    if (problem) return refused('NOTIFY_URL_MALFORMED', problem);
  }

  const order = a.transactionId
    ? core.orders.byTransactionId(a.mchId, a.transactionId)
    : core.orders.get(a.mchId, a.outTradeNo!);
  if (!order || !order.transactionId || (a.appId !== undefined && order.appId !== a.appId))
    return refused('ORDER_NOT_FOUND');
  const fingerprint = `${order.outTradeNo}|${a.totalFee}|${a.refundFee}`;
  const previous = core.orders.refund(a.mchId, a.outRefundNo);
  if (previous) {
    if (previous.refund.fingerprint !== fingerprint) return refused('CHANGED_RETRY');
    return { kind: 'refund', order: previous.order, refund: previous.refund };
  }
  if (a.totalFee !== order.totalFee) return refused('TOTAL_FEE_MISMATCH');
  const already = refundedFee(order);
  if (already >= order.totalFee) return refused('FULLY_REFUNDED');
  if (already + a.refundFee > order.totalFee) return refused('EXCEEDS_REFUNDABLE');
  if (order.refunds.length >= MAX_REFUNDS_PER_ORDER) return refused('TOO_MANY_REFUNDS');

  const now = core.clock.nowMs();
  const notifyUrl = a.notifyUrl || core.merchants.get(a.mchId)?.refundNotifyUrl;
  const refund: Refund = {
    refundId: newRefundId(formatWxTime(new Date(now))),
    outRefundNo: a.outRefundNo,
    refundFee: a.refundFee,
    status: 'PROCESSING',
    createdAt: now,
    refundAccount: a.refundAccount,
    ...(a.refundDesc ? { refundDesc: a.refundDesc } : {}),
    ...(notifyUrl ? { notifyUrl } : {}),
    fingerprint,
  };
  core.orders.addRefund(order, refund);
  core.logger({
    level: 'info',
    msg: 'refund accepted',
    out_trade_no: order.outTradeNo,
    out_refund_no: refund.outRefundNo,
    refund_fee: refund.refundFee,
  });
  core.timers.after(core.options.refundDelaySeconds * 1000 * core.options.timeScale, () =>
    settleRefund(core, order, refund, a.notify),
  );
  return { kind: 'refund', order, refund };
}

/** PROCESSING → SUCCESS, then the refund notification (if there is a URL to send it to). */
function settleRefund(
  core: SandboxCore,
  order: Order,
  refund: Refund,
  notify: RefundApplication['notify'],
): void {
  refund.status = 'SUCCESS';
  refund.successAt = core.clock.nowMs();
  core.logger({
    level: 'info',
    msg: 'refund succeeded',
    out_trade_no: order.outTradeNo,
    out_refund_no: refund.outRefundNo,
  });
  if (refund.notifyUrl) notify(order, refund, refund.notifyUrl);
}
