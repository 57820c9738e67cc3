import type { Order, OrderTimelineEntry, Refund } from '@fen/contracts';
import type { OrderRecord } from '../stores/order-store.js';
import type { RefundDoc } from '../stores/refund-model.js';

/** The API's view of an order: no openid, no wire parameters, no prepay_id. */
export function toApiOrder(doc: OrderRecord, timeline?: OrderTimelineEntry[]): Order {
  return {
    id: doc._id.toHexString(),
    outTradeNo: doc.outTradeNo,
    status: doc.status,
    items: doc.items.map((item) => ({
      productId: item.productId,
      name: item.name,
      quantity: item.quantity,
      unitPriceFen: item.unitPriceFen,
      subtotalFen: item.subtotalFen,
    })),
    totalFen: doc.totalFen,
    refundedFen: doc.refundedFen,
    description: doc.description,
    createdAt: doc.createdAt.toISOString(),
    expiresAt: doc.expiresAt.toISOString(),
    ...(doc.paidAt ? { paidAt: doc.paidAt.toISOString() } : {}),
    ...(doc.closedAt ? { closedAt: doc.closedAt.toISOString() } : {}),
    ...(doc.transactionId ? { transactionId: doc.transactionId } : {}),
    channel: doc.channel ?? 'miniprogram',
    ...(timeline ? { timeline } : {}),
  };
}

export function toApiRefund(doc: RefundDoc): Refund {
  return {
    id: doc._id.toHexString(),
    orderId: doc.orderId.toHexString(),
    outRefundNo: doc.outRefundNo,
    amountFen: doc.amountFen,
    ...(doc.reason ? { reason: doc.reason } : {}),
    ...(doc.requestedBy ? { requestedBy: doc.requestedBy } : {}),
    status: doc.status,
    createdAt: doc.createdAt.toISOString(),
    ...(doc.completedAt ? { completedAt: doc.completedAt.toISOString() } : {}),
  };
}

export function timelineOf(doc: OrderRecord): OrderTimelineEntry[] {
  return doc.timeline.map((entry) => ({
    at: entry.at.toISOString(),
    kind: entry.kind,
    detail: entry.detail,
  }));
}
