import type { SandboxCore } from '../core.js';
import { OUT_REFUND_NO } from '../pay/validate.js';
import { requestRefund } from '../refund-rule.js';
import type { RefundRefusal } from '../refund-rule.js';
import { isFenNumber, isObject, optionalString, requireString } from './fields.js';
import { sendV3RefundNotification } from './notifications.js';
import type { V3Request } from './pipeline.js';
import { ok, paramError, v3Error } from './reply.js';
import type { V3Outcome } from './reply.js';
import { refundView } from './refund-view.js';

const invalid = (message: string) => v3Error(400, 'INVALID_REQUEST', message);
const FEE_ISSUE = '应为正整数，单位为分';

/** How APIv3 says each refusal of the refund rule: HTTP status, code and message [docs/protocol.md §6]. */
const REFUSALS: Record<RefundRefusal, (problem: string) => V3Outcome> = {
  NO_ORDER_REFERENCE: () => paramError('out_trade_no', '与transaction_id至少填一个'),
  TRANSACTION_ID_MALFORMED: () => paramError('transaction_id', '格式错误'),
  OUT_REFUND_NO_MALFORMED: () => paramError('out_refund_no', '应为1-64位数字、大小写字母或_-|*@'),
  REFUND_FEE_MALFORMED: () => paramError('amount.refund', FEE_ISSUE),
  TOTAL_FEE_MALFORMED: () => paramError('amount.total', FEE_ISSUE),
  NOTIFY_URL_MALFORMED: (problem) => paramError('notify_url', `格式错误：${problem}`),
  ORDER_NOT_FOUND: () => v3Error(404, 'RESOURCE_NOT_EXISTS', '订单不存在'),
  CHANGED_RETRY: () => invalid('同一退款单号的订单金额或退款金额与之前请求不一致'),
  TOTAL_FEE_MISMATCH: () => invalid('订单金额amount.total与实际支付金额不一致'),
  FULLY_REFUNDED: () => invalid('订单已全额退款'),
  EXCEEDS_REFUNDABLE: () => invalid('申请退款金额超过订单可退金额'),
  TOO_MANY_REFUNDS: () => invalid('退款次数超过限制'),
};

/**
 * `POST /v3/refund/domestic/refunds` [docs/protocol.md §6, §3.4]: the JSON's own checks, then the refund rule
 * both APIs share (see `requestRefund`: a retry through either API is the same refund), answered
 * as APIv3's refund view or status + code; the settled refund's notification is REFUND.SUCCESS.
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
  if (body.funds_account !== undefined && body.funds_account !== 'AVAILABLE')
    return paramError('funds_account', '仅支持AVAILABLE');
  const amount = body.amount;
  if (!isObject(amount)) return paramError('amount', '为必填参数');
  if (amount.currency !== 'CNY') return paramError('amount.currency', '为必填参数，仅支持CNY');

  const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '');
  const decision = requestRefund(core, {
    mchId: request.caller.merchant.mchId,
    ...(text('transaction_id') ? { transactionId: text('transaction_id') } : {}),
    ...(text('out_trade_no') ? { outTradeNo: text('out_trade_no') } : {}),
    outRefundNo: text('out_refund_no'),
    totalFee: fenOf(amount.total),
    refundFee: fenOf(amount.refund),
    refundAccount: 'REFUND_SOURCE_UNSETTLED_FUNDS',
    ...(text('reason') ? { refundDesc: text('reason') } : {}),
    // An empty notify_url is refused as malformed, not taken as absent.
    ...(typeof body.notify_url === 'string' ? { notifyUrl: body.notify_url } : {}),
    notify: (order, refund, notifyUrl) => sendV3RefundNotification(core, order, refund, notifyUrl),
  });
  if (decision.kind === 'refused') return REFUSALS[decision.reason](decision.problem ?? '');
  return ok(refundView(decision.order, decision.refund));
}

/** A JSON amount in fen, or NaN (`19.9` and `"1990"` are not fen). */
const fenOf = (value: unknown) => (isFenNumber(value) ? value : NaN);

/** `GET /v3/refund/domestic/refunds/{out_refund_no}`: unknown → 404 RESOURCE_NOT_EXISTS. */
export function queryRefund(request: V3Request, core: SandboxCore): V3Outcome {
  const outRefundNo = request.params.out_refund_no ?? '';
  if (!OUT_REFUND_NO.test(outRefundNo)) return paramError('out_refund_no', '格式错误', 'path');
  const found = core.orders.refund(request.caller.merchant.mchId, outRefundNo);
  if (!found) return v3Error(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
  return ok(refundView(found.order, found.refund));
}
