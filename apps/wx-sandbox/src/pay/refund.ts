import { encryptRefundInfo, nonceStr, toXml } from '@fen/wxpay';
import type { SandboxCore } from '../core.js';
import { requestRefund } from '../refund-rule.js';
import type { RefundRefusal } from '../refund-rule.js';
import type { Order, Refund } from '../state/orders.js';
import type { PayRequest } from './pipeline.js';
import { businessError, success } from './reply.js';
import type { PayOutcome } from './reply.js';
import { beijingDateTime, isFen } from './validate.js';

const REFUND_ACCOUNTS = ['REFUND_SOURCE_UNSETTLED_FUNDS', 'REFUND_SOURCE_RECHARGE_FUNDS'];
/** Where a refund goes: always back to the payer's change in the sandbox. */
export const RECEIVED_BY = '支付用户的零钱';

const FEE_FORMAT = 'total_fee/refund_fee参数格式错误：应为正整数，单位为分';

/** How APIv2 says each refusal of the refund rule: err_code and err_code_des [docs/protocol.md §3.4]. */
const REFUSALS: Record<RefundRefusal, (problem: string) => PayOutcome> = {
  NO_ORDER_REFERENCE: () => businessError('PARAM_ERROR', '缺少参数out_trade_no或transaction_id'),
  TRANSACTION_ID_MALFORMED: () => businessError('INVALID_TRANSACTIONID', '无效transaction_id'),
  OUT_REFUND_NO_MALFORMED: () => businessError('PARAM_ERROR', 'out_refund_no参数格式错误'),
  REFUND_FEE_MALFORMED: () => businessError('PARAM_ERROR', FEE_FORMAT),
  TOTAL_FEE_MALFORMED: () => businessError('PARAM_ERROR', FEE_FORMAT),
  NOTIFY_URL_MALFORMED: (problem) => businessError('PARAM_ERROR', problem),
  ORDER_NOT_FOUND: () => businessError('ORDERNOTEXIST', '订单不存在'),
  CHANGED_RETRY: () =>
    businessError('PARAM_ERROR', '订单金额或退款金额与之前请求不一致，请核实后再试'),
  TOTAL_FEE_MISMATCH: () => businessError('PARAM_ERROR', '订单金额total_fee与实际支付金额不一致'),
  FULLY_REFUNDED: () => businessError('ERROR', '订单已全额退款'),
  EXCEEDS_REFUNDABLE: () => businessError('ERROR', '累计退款金额大于支付金额'),
  TOO_MANY_REFUNDS: () => businessError('ERROR', '退款次数超过限制'),
};

/**
 * `POST /secapi/pay/refund` [docs/protocol.md §3.4] (the pipeline has checked the client certificate): the
 * XML's own checks, then the refund rule both APIs share (see `requestRefund`), answered in
 * APIv2's fields and err_codes; the settled refund's notification is APIv2's encrypted req_info.
 */
export function refund(request: PayRequest, core: SandboxCore): PayOutcome {
  const p = request.params;
  for (const name of ['out_refund_no', 'total_fee', 'refund_fee'] as const) {
    if (!p[name]) return businessError('PARAM_ERROR', `缺少参数${name}`);
  }
  if (p.refund_fee_type && p.refund_fee_type !== 'CNY')
    return businessError('PARAM_ERROR', 'refund_fee_type参数格式错误');
  if (p.refund_account && !REFUND_ACCOUNTS.includes(p.refund_account)) {
    return businessError('PARAM_ERROR', 'refund_account参数格式错误');
  }
  if ((p.refund_desc?.length ?? 0) > 80)
    return businessError('PARAM_ERROR', 'refund_desc参数长度有误');

  const decision = requestRefund(core, {
    mchId: request.merchant.mchId,
    appId: request.appId,
    ...(p.transaction_id ? { transactionId: p.transaction_id } : {}),
    ...(p.out_trade_no ? { outTradeNo: p.out_trade_no } : {}),
    outRefundNo: p.out_refund_no!,
    totalFee: fenOf(p.total_fee),
    refundFee: fenOf(p.refund_fee),
    refundAccount: p.refund_account || 'REFUND_SOURCE_UNSETTLED_FUNDS',
    ...(p.refund_desc ? { refundDesc: p.refund_desc } : {}),
    ...(p.notify_url ? { notifyUrl: p.notify_url } : {}),
    notify: (order, r, notifyUrl) =>
      core.notifier.send({
        kind: 'refund',
        mchId: order.mchId,
        outTradeNo: order.outTradeNo,
        outRefundNo: r.outRefundNo,
        notifyUrl,
        body: () => refundNotificationXml(core, order, r),
      }),
  });
  if (decision.kind === 'refused') return REFUSALS[decision.reason](decision.problem ?? '');
  return success(refundReplyFields(decision.order, decision.refund));
}

/** A decimal fen amount as the XML carries it, or NaN (`19.90`, `01` and `1e3` are not fen). */
const fenOf = (text: string | undefined) => (isFen(text) ? Number(text) : NaN);

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
 * The refund notification [docs/protocol.md §4.2]: return_code, appid, mch_id, nonce_str and req_info
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
