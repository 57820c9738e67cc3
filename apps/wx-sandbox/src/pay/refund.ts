import { encryptRefundInfo, formatWxTime, nonceStr, toXml } from '@fen/wxpay';
import type { SandboxCore } from '../core.js';
import { newRefundId } from '../ids.js';
import { refundedFee } from '../state/orders.js';
import type { Order, Refund } from '../state/orders.js';
import { findOrder } from './order-query.js';
import type { PayRequest } from './pipeline.js';
import { businessError, success } from './reply.js';
import type { PayOutcome } from './reply.js';
import { OUT_REFUND_NO, beijingDateTime, isFen, notifyUrlProblem } from './validate.js';

const MAX_REFUNDS_PER_ORDER = 50; // [docs/protocol.md §3.4]
const REFUND_ACCOUNTS = ['REFUND_SOURCE_UNSETTLED_FUNDS', 'REFUND_SOURCE_RECHARGE_FUNDS'];
/** Where a refund goes: always back to the payer's change in the sandbox. */
export const RECEIVED_BY = '支付用户的零钱';

/**
 * `POST /secapi/pay/refund` [docs/protocol.md §3.4] (the pipeline checked the client cert). Partial
 * and repeated refunds up to total_fee; the same out_refund_no is the same refund. A new refund is
 * PROCESSING, becomes SUCCESS after `refundDelaySeconds × timeScale`, then its notification goes out.
 */
export function refund(request: PayRequest, core: SandboxCore): PayOutcome {
  const p = request.params;
  for (const name of ['out_refund_no', 'total_fee', 'refund_fee'] as const) {
    if (!p[name]) return businessError('PARAM_ERROR', `缺少参数${name}`);
  }
  if (!p.transaction_id && !p.out_trade_no)
    return businessError('PARAM_ERROR', '缺少参数out_trade_no或transaction_id');
  if (p.transaction_id && !/^\d{28}$/.test(p.transaction_id))
    return businessError('INVALID_TRANSACTIONID', '无效transaction_id');
  if (!OUT_REFUND_NO.test(p.out_refund_no!))
    return businessError('PARAM_ERROR', 'out_refund_no参数格式错误');
  if (!isFen(p.total_fee) || !isFen(p.refund_fee)) {
    return businessError('PARAM_ERROR', 'total_fee/refund_fee参数格式错误：应为正整数，单位为分');
  }
  if (p.refund_fee_type && p.refund_fee_type !== 'CNY')
    return businessError('PARAM_ERROR', 'refund_fee_type参数格式错误');
  if (p.refund_account && !REFUND_ACCOUNTS.includes(p.refund_account)) {
    return businessError('PARAM_ERROR', 'refund_account参数格式错误');
  }
  if ((p.refund_desc?.length ?? 0) > 80)
    return businessError('PARAM_ERROR', 'refund_desc参数长度有误');
  if (p.notify_url) {
    const problem = notifyUrlProblem(p.notify_url, core.options.httpNotifyHosts);
    if (problem) return businessError('PARAM_ERROR', problem);
  }

  const order = findOrder(core, request);
  // An unpaid order "does not exist" for refunds [docs/protocol.md §3.4].
  if (!order || order.appId !== request.appId || !order.transactionId)
    return businessError('ORDERNOTEXIST', '订单不存在');
  const refundFee = Number(p.refund_fee);
  const totalFee = Number(p.total_fee);
  const fingerprint = `${order.outTradeNo}|${totalFee}|${refundFee}`;

  const previous = core.orders.refund(request.merchant.mchId, p.out_refund_no!);
  if (previous) {
    // Idempotent by out_refund_no: a retry gets the same refund, a changed one is refused.
    if (previous.refund.fingerprint !== fingerprint) {
      return businessError('PARAM_ERROR', '订单金额或退款金额与之前请求不一致，请核实后再试');
    }
    return success(refundReplyFields(previous.order, previous.refund));
  }
  if (totalFee !== order.totalFee)
    return businessError('PARAM_ERROR', '订单金额total_fee与实际支付金额不一致');
  const already = refundedFee(order);
  if (already >= order.totalFee) return businessError('ERROR', '订单已全额退款');
  if (already + refundFee > order.totalFee)
    return businessError('ERROR', '累计退款金额大于支付金额');
  if (order.refunds.length >= MAX_REFUNDS_PER_ORDER)
    return businessError('ERROR', '退款次数超过限制');

  const now = core.clock.nowMs();
  const notifyUrl = p.notify_url || request.merchant.refundNotifyUrl;
  const created: Refund = {
    refundId: newRefundId(formatWxTime(new Date(now))),
    outRefundNo: p.out_refund_no!,
    refundFee,
    status: 'PROCESSING',
    createdAt: now,
    refundAccount: p.refund_account || 'REFUND_SOURCE_UNSETTLED_FUNDS',
    ...(p.refund_desc ? { refundDesc: p.refund_desc } : {}),
    ...(notifyUrl ? { notifyUrl } : {}),
    fingerprint,
  };
  core.orders.addRefund(order, created);
  core.logger({
    level: 'info',
    msg: 'refund accepted',
    out_trade_no: order.outTradeNo,
    out_refund_no: created.outRefundNo,
    refund_fee: refundFee,
  });
  core.timers.after(core.options.refundDelaySeconds * 1000 * core.options.timeScale, () =>
    settleRefund(core, order, created),
  );
  return success(refundReplyFields(order, created));
}

/** The ids and amounts every refund answer names. */
const refundIdentity = (order: Order, r: Refund): Record<string, string> => ({
  transaction_id: order.transactionId ?? '',
  out_trade_no: order.outTradeNo,
  refund_id: r.refundId,
  out_refund_no: r.outRefundNo,
  total_fee: String(order.totalFee),
  refund_fee: String(r.refundFee),
});

function refundReplyFields(order: Order, r: Refund): Record<string, string> {
  return {
    ...refundIdentity(order, r),
    fee_type: 'CNY',
    cash_fee: String(order.totalFee),
    cash_fee_type: 'CNY',
    cash_refund_fee: String(r.refundFee),
    coupon_refund_fee: '0',
    coupon_refund_count: '0',
  };
}

/** PROCESSING → SUCCESS, then the refund notification (if there is a URL to send it to). */
function settleRefund(core: SandboxCore, order: Order, r: Refund): void {
  r.status = 'SUCCESS';
  r.successAt = core.clock.nowMs();
  core.logger({
    level: 'info',
    msg: 'refund succeeded',
    out_trade_no: order.outTradeNo,
    out_refund_no: r.outRefundNo,
  });
  if (!r.notifyUrl) return;
  core.notifier.send({
    kind: 'refund',
    mchId: order.mchId,
    outTradeNo: order.outTradeNo,
    outRefundNo: r.outRefundNo,
    notifyUrl: r.notifyUrl,
    body: () => refundNotificationXml(core, order, r),
  });
}

/** The fields encrypted into a refund notification's req_info [docs/protocol.md §4.2]. */
export function refundInfoFields(order: Order, r: Refund): Record<string, string> {
  return {
    ...refundIdentity(order, r),
    settlement_total_fee: String(order.totalFee),
    settlement_refund_fee: String(r.refundFee),
    refund_status: r.status,
    success_time: r.successAt !== undefined ? beijingDateTime(r.successAt) : '',
    refund_recv_accout: RECEIVED_BY,
    refund_account: r.refundAccount,
    refund_request_source: 'API',
  };
}

/**
 * The refund notification [docs/protocol.md §4.2]: return_code, appid, mch_id, nonce_str, req_info
 * (AES-256-ECB with md5(key) of the `<root>` XML) — and no sign.
 */
export function refundNotificationXml(core: SandboxCore, order: Order, r: Refund): string {
  const key = core.merchants.get(order.mchId)?.key ?? '';
  return toXml({
    return_code: 'SUCCESS',
    return_msg: 'OK',
    appid: order.appId,
    mch_id: order.mchId,
    nonce_str: nonceStr(),
    req_info: encryptRefundInfo(refundInfoFields(order, r), key),
  });
}
