import type { ReconciliationDifference, ReconciliationDifferenceKind } from '@fen/contracts';
import type { BillLedgerStore } from '../stores/bill-ledger-store.js';
import type { OrderRecord } from '../stores/order-store.js';
import type { RefundDoc } from '../stores/refund-model.js';
import type { BillPayment, BillRefund } from '../wechat/trade-bill.js';

/**
 * A row (or a missing row) on which the bill and Fen disagree, before anything is done about it:
 * the report's difference without its action yet, and what WeChat's query can repair (an order
 * PENDING here, a refund PROCESSING here).
 */
export interface FoundDifference extends Omit<ReconciliationDifference, 'action'> {
  repair?: { order: OrderRecord } | { refund: RefundDoc };
}

const keyOf = (kind: ReconciliationDifferenceKind, id: string) => `${kind}:${id}`;

/**
 * Matches every row of a day's trade bill to Fen's orders and refunds (by transaction_id,
 * out_trade_no, out_refund_no), amounts compared in fen, then looks for what Fen holds for the
 * day that the bill lacks. Reads only: nothing is changed until every row has been looked at.
 */
export async function matchBill(
  bill: { payments: BillPayment[]; refunds: BillRefund[] },
  ledger: BillLedgerStore,
  day: { from: Date; to: Date },
): Promise<FoundDifference[]> {
  const differences: FoundDifference[] = [];
  const ordersInBill = new Set<string>();
  for (const row of bill.payments) {
    const order = await ledger.orderFor(row.transactionId, row.outTradeNo);
    const about = {
      outTradeNo: row.outTradeNo,
      ...(row.transactionId ? { transactionId: row.transactionId } : {}),
      billFen: row.totalFen,
    };
    const id = row.transactionId || row.outTradeNo;
    if (!order) {
      differences.push({
        ...about,
        key: keyOf('UNKNOWN_ORDER', id),
        kind: 'UNKNOWN_ORDER',
        detail: `WeChat's bill has a payment for ${row.outTradeNo}, an order Fen does not know`,
      });
      continue;
    }
    ordersInBill.add(order._id.toHexString());
    const here = { ...about, fenFen: order.totalFen, statusHere: order.status };
    if (order.status === 'PENDING') {
      differences.push({
        ...here,
        key: keyOf('PAID_AT_WECHAT_PENDING_HERE', id),
        kind: 'PAID_AT_WECHAT_PENDING_HERE',
        detail: 'paid at WeChat, PENDING here (the notification never arrived)',
        repair: { order },
      });
    } else if (order.status === 'CLOSED') {
      differences.push({
        ...here,
        key: keyOf('PAID_AT_WECHAT_CLOSED_HERE', id),
        kind: 'PAID_AT_WECHAT_CLOSED_HERE',
        detail: 'paid at WeChat, but the order is CLOSED here: refund or honour it',
      });
    } else if (row.totalFen !== order.totalFen || row.settledFen !== order.totalFen) {
      differences.push({
        ...here,
        // The bill's amount that differs (订单金额, else 应结订单金额 + 代金券金额).
        billFen: row.totalFen !== order.totalFen ? row.totalFen : row.settledFen,
        key: keyOf('PAYMENT_AMOUNT_DIFFERS', id),
        kind: 'PAYMENT_AMOUNT_DIFFERS',
        detail: `the bill says ${row.totalFen} fen (settled ${row.settledFen}), the order ${order.totalFen} fen`,
      });
    }
  }
  for (const order of await ledger.paidBetween(day.from, day.to)) {
    if (ordersInBill.has(order._id.toHexString())) continue;
    const id = order.transactionId ?? order.outTradeNo;
    differences.push({
      key: keyOf('PAYMENT_MISSING_FROM_BILL', id),
      kind: 'PAYMENT_MISSING_FROM_BILL',
      outTradeNo: order.outTradeNo,
      ...(order.transactionId ? { transactionId: order.transactionId } : {}),
      fenFen: order.totalFen,
      statusHere: order.status,
      detail: `${order.status} here (paid by ${order.paidBy ?? 'unknown'}), but not in WeChat's bill`,
    });
  }

  const refundsInBill = new Set<string>();
  for (const row of bill.refunds) {
    refundsInBill.add(row.outRefundNo);
    const refund = await ledger.refundFor(row.outRefundNo);
    const about = {
      outTradeNo: row.outTradeNo,
      ...(row.transactionId ? { transactionId: row.transactionId } : {}),
      outRefundNo: row.outRefundNo,
      billFen: row.refundedFen,
    };
    if (!refund) {
      differences.push({
        ...about,
        key: keyOf('UNKNOWN_REFUND', row.outRefundNo),
        kind: 'UNKNOWN_REFUND',
        detail: `WeChat's bill has a refund ${row.outRefundNo} Fen does not know`,
      });
      continue;
    }
    const here = { ...about, fenFen: refund.amountFen, statusHere: refund.status };
    if (refund.status === 'PROCESSING') {
      differences.push({
        ...here,
        key: keyOf('REFUND_AT_WECHAT_PROCESSING_HERE', row.outRefundNo),
        kind: 'REFUND_AT_WECHAT_PROCESSING_HERE',
        detail: `refund ${row.state} at WeChat, PROCESSING here`,
        repair: { refund },
      });
    } else if (refund.status !== 'SUCCESS') {
      differences.push({
        ...here,
        key: keyOf('REFUND_CLOSED_HERE', row.outRefundNo),
        kind: 'REFUND_CLOSED_HERE',
        detail: `refund ${row.state} at WeChat, ${refund.status} here`,
      });
    } else if (row.refundedFen !== refund.amountFen || row.requestedFen !== refund.amountFen) {
      differences.push({
        ...here,
        // The bill's amount that differs (退款金额 + 充值券退款金额, else 申请退款金额).
        billFen: row.refundedFen !== refund.amountFen ? row.refundedFen : row.requestedFen,
        key: keyOf('REFUND_AMOUNT_DIFFERS', row.outRefundNo),
        kind: 'REFUND_AMOUNT_DIFFERS',
        detail: `the bill says ${row.refundedFen} fen refunded (${row.requestedFen} asked), the refund ${refund.amountFen} fen`,
      });
    }
  }
  for (const refund of await ledger.refundedWithin(day.from, day.to)) {
    if (refundsInBill.has(refund.outRefundNo)) continue;
    differences.push({
      key: keyOf('REFUND_MISSING_FROM_BILL', refund.outRefundNo),
      kind: 'REFUND_MISSING_FROM_BILL',
      outTradeNo: refund.outTradeNo,
      outRefundNo: refund.outRefundNo,
      fenFen: refund.amountFen,
      statusHere: refund.status,
      detail: "asked and SUCCESS here that day, but not in WeChat's bill",
    });
  }
  return differences;
}

/** Kinds about a row of the bill (the others are about a row the bill lacks). */
export const isAboutBillRow = (kind: ReconciliationDifferenceKind) =>
  kind !== 'PAYMENT_MISSING_FROM_BILL' && kind !== 'REFUND_MISSING_FROM_BILL';
