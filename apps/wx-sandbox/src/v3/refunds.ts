import { formatWxTime } from '@fen/wxpay';
import type { SandboxCore } from '../core.js';
import { newRefundId } from '../ids.js';
import { notifyUrlProblem } from '../pay/validate.js';
import { refundedFee } from '../state/orders.js';
import type { Order, Refund } from '../state/orders.js';
import {
  TRANSACTION_ID,
  V3_OUT_REFUND_NO,
  isFenNumber,
  isObject,
  optionalString,
  requireString,
} from './fields.js';
import type { Json } from './fields.js';
import { sendV3RefundNotification } from './notifications.js';
import type { V3Request } from './pipeline.js';
import { ok, paramError, v3Error } from './reply.js';
import type { V3Outcome } from './reply.js';
import { rfc3339Beijing } from './time.js';

const MAX_REFUNDS_PER_ORDER = 50; // [docs/protocol.md §3.4]
const invalid = (message: string) => v3Error(400, 'INVALID_REQUEST', message);

/** A refund as APIv3 shows it (refund and refund-query replies) [docs/protocol.md §6]. */
export function refundView(order: Order, refund: Refund): Json {
  return {
    refund_id: refund.refundId,
    out_refund_no: refund.outRefundNo,
    transaction_id: order.transactionId ?? '',
    out_trade_no: order.outTradeNo,
    channel: 'ORIGINAL',
    user_received_account: '支付用户零钱',
    ...(refund.successAt !== undefined ? { success_time: rfc3339Beijing(refund.successAt) } : {}),
    create_time: rfc3339Beijing(refund.createdAt),
    status: refund.status,
    funds_account: 'UNAVAILABLE',
    amount: {
      total: order.totalFee,
      refund: refund.refundFee,
      payer_total: order.totalFee,
      payer_refund: refund.refundFee,
      settlement_total: order.totalFee,
      settlement_refund: refund.refundFee,
      discount_refund: 0,
      currency: 'CNY',
      from: [],
    },
  };
}

/**
 * `POST /v3/refund/domestic/refunds` [docs/protocol.md §6, §3.4]: the refunds of APIv2 (one store):
 * partial and repeated up to the total, at most 50, idempotent by out_refund_no (a changed
 * retry → 400 INVALID_REQUEST). PROCESSING, then SUCCESS after `refundDelaySeconds × timeScale`,
 * then REFUND.SUCCESS to the request's notify_url (else the merchant's `refundNotifyUrl`).
 */
export function createRefund(request: V3Request, core: SandboxCore): V3Outcome {
  const body = request.body ?? {};
  const simple =
    requireString(body, 'out_refund_no', 64) ??
    optionalString(body, 'reason', 80) ??
    optionalString(body, 'notify_url', 256) ??
    optionalString(body, 'transaction_id', 32) ??
    optionalString(body, 'out_trade_no', 32);
  if (simple) return simple;
  if (!body.transaction_id && !body.out_trade_no)
    return paramError('out_trade_no', '与transaction_id至少填一个');
  if (body.transaction_id && !TRANSACTION_ID.test(body.transaction_id as string))
    return paramError('transaction_id', '格式错误');
  if (!V3_OUT_REFUND_NO.test(body.out_refund_no as string))
    return paramError('out_refund_no', '应为1-64位数字、大小写字母或_-|*@');
  if (body.funds_account !== undefined && body.funds_account !== 'AVAILABLE')
    return paramError('funds_account', '仅支持AVAILABLE');
  const amount = body.amount;
  if (!isObject(amount)) return paramError('amount', '为必填参数');
  if (!isFenNumber(amount.refund)) return paramError('amount.refund', '应为正整数，单位为分');
  if (!isFenNumber(amount.total)) return paramError('amount.total', '应为正整数，单位为分');
  if (amount.currency !== 'CNY') return paramError('amount.currency', '为必填参数，仅支持CNY');
  if (typeof body.notify_url === 'string') {
    const problem = notifyUrlProblem(body.notify_url, core.options.httpNotifyHosts);
    if (problem) return paramError('notify_url', `格式错误：${problem}`);
  }

  const mchId = request.caller.merchant.mchId;
  const order = body.transaction_id
    ? core.orders.byTransactionId(mchId, body.transaction_id as string)
    : core.orders.get(mchId, body.out_trade_no as string);
  // An unpaid order cannot be refunded: to the refund API it does not exist.
  if (!order || !order.transactionId) return v3Error(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
  const refundFee = amount.refund;
  const totalFee = amount.total;
  // The same fingerprint as APIv2's, so a retry through either API is the same refund.
  const fingerprint = `${order.outTradeNo}|${totalFee}|${refundFee}`;
  const previous = core.orders.refund(mchId, body.out_refund_no as string);
  if (previous) {
    if (previous.refund.fingerprint !== fingerprint)
      return invalid('同一退款单号的订单金额或退款金额与之前请求不一致');
    return ok(refundView(previous.order, previous.refund));
  }
  if (totalFee !== order.totalFee) return invalid('订单金额amount.total与实际支付金额不一致');
  const already = refundedFee(order);
  if (already >= order.totalFee) return invalid('订单已全额退款');
  if (already + refundFee > order.totalFee) return invalid('申请退款金额超过订单可退金额');
  if (order.refunds.length >= MAX_REFUNDS_PER_ORDER) return invalid('退款次数超过限制');

  const now = core.clock.nowMs();
  const notifyUrl =
    (body.notify_url as string | undefined) || request.caller.merchant.refundNotifyUrl;
  const refund: Refund = {
    refundId: newRefundId(formatWxTime(new Date(now))),
    outRefundNo: body.out_refund_no as string,
    refundFee,
    status: 'PROCESSING',
    createdAt: now,
    refundAccount: 'REFUND_SOURCE_UNSETTLED_FUNDS',
    ...(typeof body.reason === 'string' && body.reason ? { refundDesc: body.reason } : {}),
    ...(notifyUrl ? { notifyUrl } : {}),
    fingerprint,
  };
  core.orders.addRefund(order, refund);
  core.logger({
    level: 'info',
    msg: 'refund accepted (v3)',
    out_trade_no: order.outTradeNo,
    out_refund_no: refund.outRefundNo,
    refund_fee: refundFee,
  });
  core.timers.after(core.options.refundDelaySeconds * 1000 * core.options.timeScale, () =>
    settle(core, order, refund),
  );
  return ok(refundView(order, refund));
}

function settle(core: SandboxCore, order: Order, refund: Refund): void {
  refund.status = 'SUCCESS';
  refund.successAt = core.clock.nowMs();
  core.logger({
    level: 'info',
    msg: 'refund succeeded (v3)',
    out_trade_no: order.outTradeNo,
    out_refund_no: refund.outRefundNo,
  });
  if (refund.notifyUrl) sendV3RefundNotification(core, order, refund, refund.notifyUrl);
}

/** `GET /v3/refund/domestic/refunds/{out_refund_no}`: unknown → 404 RESOURCE_NOT_EXISTS. */
export function queryRefund(request: V3Request, core: SandboxCore): V3Outcome {
  const outRefundNo = request.params.out_refund_no ?? '';
  if (!V3_OUT_REFUND_NO.test(outRefundNo)) return paramError('out_refund_no', '格式错误', 'path');
  const found = core.orders.refund(request.caller.merchant.mchId, outRefundNo);
  if (!found) return v3Error(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
  return ok(refundView(found.order, found.refund));
}
