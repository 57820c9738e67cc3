import { formatWxTime } from '@fen/wxpay';
import { closeUnpaidOrder } from '../close-rule.js';
import type { SandboxCore } from '../core.js';
import type { Order } from '../state/orders.js';
import type { PayRequest } from './pipeline.js';
import { businessError, success } from './reply.js';
import type { PayOutcome } from './reply.js';

const STATE_DESC: Record<Order['state'], string> = {
  NOTPAY: '订单未支付',
  SUCCESS: '支付成功',
  CLOSED: '订单已关闭',
  REFUND: '订单发生过退款',
};

/** The order named by transaction_id (which wins) or out_trade_no, or undefined. */
export function findOrder(core: SandboxCore, request: PayRequest): Order | undefined {
  const { transaction_id: transactionId, out_trade_no: outTradeNo } = request.params;
  if (transactionId) return core.orders.byTransactionId(request.merchant.mchId, transactionId);
  return outTradeNo ? core.orders.get(request.merchant.mchId, outTradeNo) : undefined;
}

/** `POST /pay/orderquery` [docs/protocol.md §3.2]. */
export function orderQuery(request: PayRequest, core: SandboxCore): PayOutcome {
  const p = request.params;
  if (!p.transaction_id && !p.out_trade_no)
    return businessError('LACK_PARAMS', '缺少参数out_trade_no或transaction_id');
  const order = findOrder(core, request);
  if (!order || order.appId !== request.appId)
    return businessError('ORDERNOTEXIST', 'order not exist');
  return success(orderStateFields(order));
}

/**
 * What orderquery says about an order: an unpaid or closed one only its number, amount and
 * state [C-close]; a paid one everything the payment notification carried.
 */
export function orderStateFields(order: Order): Record<string, string> {
  const common = {
    out_trade_no: order.outTradeNo,
    total_fee: String(order.totalFee),
    trade_state: order.state,
    trade_state_desc: STATE_DESC[order.state],
  };
  if (!order.transactionId) {
    return { ...common, ...(order.fields.attach ? { attach: order.fields.attach } : {}) };
  }
  return { ...common, ...paidFields(order) };
}

/** The payment fields shared by orderquery and the payment notification [docs/protocol.md §3.2, §4.1]. */
export function paidFields(order: Order): Record<string, string> {
  return {
    ...(order.fields.openid || order.payerOpenId
      ? { openid: order.fields.openid || order.payerOpenId! }
      : {}),
    is_subscribe: 'N',
    trade_type: order.tradeType,
    bank_type: order.bankType ?? 'OTHERS',
    total_fee: String(order.totalFee),
    fee_type: 'CNY',
    cash_fee: String(order.totalFee),
    cash_fee_type: 'CNY',
    transaction_id: order.transactionId ?? '',
    out_trade_no: order.outTradeNo,
    ...(order.fields.attach ? { attach: order.fields.attach } : {}),
    time_end: formatWxTime(new Date(order.paidAt ?? 0)),
  };
}

/** `POST /pay/closeorder` [docs/protocol.md §3.3]: the close rule both APIs share, in APIv2's err_codes. */
export function closeOrder(request: PayRequest, core: SandboxCore): PayOutcome {
  const outTradeNo = request.params.out_trade_no;
  if (!outTradeNo) return businessError('LACK_PARAMS', '缺少参数out_trade_no');
  const order = core.orders.get(request.merchant.mchId, outTradeNo);
  if (!order || order.appId !== request.appId) return businessError('ORDERNOTEXIST', '订单不存在');
  switch (closeUnpaidOrder(core, order)) {
    case 'ORDER_PAID':
      return businessError('ORDERPAID', '订单已支付，不能发起关单');
    case 'ORDER_CLOSED':
      return businessError('ORDERCLOSED', '订单已关闭，无法重复关闭');
    case 'CLOSED':
      return success({ result_msg: 'OK' });
  }
}
