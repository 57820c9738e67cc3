import type { Order, Refund } from '../state/orders.js';
import type { Json } from './fields.js';
import { rfc3339Beijing } from './time.js';

/** Where a refund goes, in APIv3's words: always back to the payer's change in the sandbox. */
const RECEIVED_BY = '支付用户零钱';

/** The ids, the success time and the payer's amounts that every APIv3 picture of a refund names. */
function refundBasics(order: Order, refund: Refund) {
  return {
    ids: {
      refund_id: refund.refundId,
      out_refund_no: refund.outRefundNo,
      transaction_id: order.transactionId ?? '',
      out_trade_no: order.outTradeNo,
    },
    successTime:
      refund.successAt !== undefined ? { success_time: rfc3339Beijing(refund.successAt) } : {},
    amount: {
      total: order.totalFee,
      refund: refund.refundFee,
      payer_total: order.totalFee,
      payer_refund: refund.refundFee,
    },
  };
}

/** A refund as the APIv3 refund and refund-query replies show it [docs/protocol.md §6, Endpoints]. */
export function refundView(order: Order, refund: Refund): Json {
  const { ids, successTime, amount } = refundBasics(order, refund);
  return {
    ...ids,
    channel: 'ORIGINAL',
    user_received_account: RECEIVED_BY,
    ...successTime,
    create_time: rfc3339Beijing(refund.createdAt),
    status: refund.status,
    funds_account: 'UNAVAILABLE',
    amount: {
      ...amount,
      settlement_total: order.totalFee,
      settlement_refund: refund.refundFee,
      discount_refund: 0,
      currency: 'CNY',
      from: [],
    },
  };
}

/** The resource a REFUND.* notification encrypts [docs/protocol.md §6, Notify body]. */
export function refundResource(order: Order, refund: Refund): Json {
  const { ids, successTime, amount } = refundBasics(order, refund);
  return {
    mchid: order.mchId,
    ...ids,
    refund_status: refund.status,
    ...successTime,
    user_received_account: RECEIVED_BY,
    amount,
  };
}
