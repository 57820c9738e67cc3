import type { Models } from './database.js';
import type { OrderRecord } from './order-store.js';
import type { RefundDoc } from './refund-model.js';

/**
 * Fen's side of a day's bill: the orders and refunds a bill row may name, and what Fen holds for
 * the day — payments by WeChat's payment time; refunds asked and completed within the day (Fen
 * does not hold WeChat's refund time: one that straddles midnight belongs to no day here).
 */
export function createBillLedgerStore(models: Pick<Models, 'Order' | 'Refund'>) {
  const { Order, Refund } = models;
  return {
    /** The order a row names: by transaction_id first, else by out_trade_no (also a former one). */
    async orderFor(transactionId: string, outTradeNo: string): Promise<OrderRecord | null> {
      const byTransaction = transactionId
        ? await Order.findOne({ transactionId }).lean<OrderRecord>()
        : null;
      return (
        byTransaction ??
        (await Order.findOne({ outTradeNo }).lean<OrderRecord>()) ??
        (await Order.findOne({ formerOutTradeNos: outTradeNo }).lean<OrderRecord>())
      );
    },

    refundFor(outRefundNo: string): Promise<RefundDoc | null> {
      return Refund.findOne({ outRefundNo }).lean<RefundDoc>();
    },

    /** Orders WeChat reported paid within [from, to). */
    paidBetween(from: Date, to: Date): Promise<OrderRecord[]> {
      return Order.find({ paidAt: { $gte: from, $lt: to } }).lean<OrderRecord[]>();
    },

    /** SUCCESS refunds both asked and completed within [from, to). */
    refundedWithin(from: Date, to: Date): Promise<RefundDoc[]> {
      return Refund.find({
        status: 'SUCCESS',
        createdAt: { $gte: from, $lt: to },
        completedAt: { $gte: from, $lt: to },
      }).lean<RefundDoc[]>();
    },
  };
}

export type BillLedgerStore = ReturnType<typeof createBillLedgerStore>;
