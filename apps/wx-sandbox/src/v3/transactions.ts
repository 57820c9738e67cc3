import { closeUnpaidOrder } from '../close-rule.js';
import type { SandboxCore } from '../core.js';
import { OUT_TRADE_NO, TRANSACTION_ID } from '../pay/validate.js';
import type { Order } from '../state/orders.js';
import type { Json } from './fields.js';
import type { V3Request } from './pipeline.js';
import { noContent, ok, paramError, v3Error } from './reply.js';
import type { V3Error, V3Outcome } from './reply.js';
import { rfc3339Beijing } from './time.js';

const STATE_DESC: Record<Order['state'], string> = {
  NOTPAY: '订单未支付',
  SUCCESS: '支付成功',
  CLOSED: '订单已关闭',
  REFUND: '订单发生过退款',
};

const orderNotExist = () => v3Error(404, 'ORDER_NOT_EXIST', '订单不存在');

/**
 * A transaction as APIv3 shows it (query replies and the TRANSACTION.SUCCESS resource)
 * [docs/protocol.md §6]: an unpaid or closed order carries its number, amount and state; a paid
 * one also transaction_id, trade_type, bank_type, success_time, payer and the amounts paid.
 */
export function transactionView(order: Order): Json {
  const view: Json = {
    appid: order.appId,
    mchid: order.mchId,
    out_trade_no: order.outTradeNo,
    trade_state: order.state,
    trade_state_desc: STATE_DESC[order.state],
    ...(order.fields.attach ? { attach: order.fields.attach } : {}),
    amount: { total: order.totalFee, currency: 'CNY', payer_currency: 'CNY' },
    promotion_detail: [],
  };
  if (!order.transactionId) return view;
  return {
    ...view,
    transaction_id: order.transactionId,
    trade_type: order.tradeType,
    bank_type: order.bankType ?? 'OTHERS',
    success_time: rfc3339Beijing(order.paidAt ?? 0),
    payer:
      order.fields.openid || order.payerOpenId
        ? { openid: order.fields.openid || order.payerOpenId }
        : {},
    amount: {
      total: order.totalFee,
      payer_total: order.totalFee,
      currency: 'CNY',
      payer_currency: 'CNY',
    },
  };
}

/** The `mchid` query parameter must be the caller's own. */
function mchidProblem(request: V3Request): V3Error | undefined {
  const mchid = request.query.mchid;
  if (!mchid) return paramError('mchid', '为必填参数', 'query');
  if (mchid !== request.caller.merchant.mchId)
    return paramError('mchid', '与Authorization中的商户号不一致', 'query');
  return undefined;
}

/** `GET /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=` — also finds APIv2 orders. */
export function queryByOutTradeNo(request: V3Request, core: SandboxCore): V3Outcome {
  const problem = mchidProblem(request);
  if (problem) return problem;
  const outTradeNo = request.params.out_trade_no ?? '';
  if (!OUT_TRADE_NO.test(outTradeNo)) return paramError('out_trade_no', '格式错误', 'path');
  const order = core.orders.get(request.caller.merchant.mchId, outTradeNo);
  return order ? ok(transactionView(order)) : orderNotExist();
}

/** `GET /v3/pay/transactions/id/{transaction_id}?mchid=`: only paid orders have one. */
export function queryByTransactionId(request: V3Request, core: SandboxCore): V3Outcome {
  const problem = mchidProblem(request);
  if (problem) return problem;
  const transactionId = request.params.transaction_id ?? '';
  if (!/^\d{1,32}$/.test(transactionId)) return paramError('transaction_id', '格式错误', 'path');
  const order = TRANSACTION_ID.test(transactionId)
    ? core.orders.byTransactionId(request.caller.merchant.mchId, transactionId)
    : undefined;
  return order ? ok(transactionView(order)) : orderNotExist();
}

/**
 * `POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close` with `{"mchid"}` → 204
 * [docs/protocol.md §6]. Paid → 400 ORDERPAID; already closed → 400 ORDER_CLOSED; unknown → 404.
 */
export function closeOrder(request: V3Request, core: SandboxCore): V3Outcome {
  const body = request.body ?? {};
  if (!body.mchid) return paramError('mchid', '为必填参数');
  if (body.mchid !== request.caller.merchant.mchId)
    return paramError('mchid', '与Authorization中的商户号不一致');
  const outTradeNo = request.params.out_trade_no ?? '';
  if (!OUT_TRADE_NO.test(outTradeNo)) return paramError('out_trade_no', '格式错误', 'path');
  const order = core.orders.get(request.caller.merchant.mchId, outTradeNo);
  if (!order) return orderNotExist();
  switch (closeUnpaidOrder(core, order)) {
    case 'ORDER_PAID':
      return v3Error(400, 'ORDERPAID', '订单已支付，不能发起关单');
    case 'ORDER_CLOSED':
      return v3Error(400, 'ORDER_CLOSED', '订单已关闭');
    case 'CLOSED':
      return noContent();
  }
}
