import type { Fulfilment, Order, OrderTimelineEntry, Refund } from '@fen/contracts';
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
    ...fulfilmentOf(doc),
    ...(timeline ? { timeline } : {}),
  };
}

/**
 * Shipping as the shopper and the operator see it: what was recorded at WeChat, or UNSHIPPED
 * for a paid mini-program order nothing was recorded for yet.
 */
function fulfilmentOf(doc: OrderRecord): { fulfilment?: Fulfilment } {
  const f = doc.fulfilment;
  if (!f) {
    const shippable =
      (doc.channel ?? 'miniprogram') === 'miniprogram' &&
      (doc.status === 'PAID' || doc.status === 'PARTIALLY_REFUNDED');
    return shippable ? { fulfilment: { state: 'UNSHIPPED' } } : {};
  }
  return {
    fulfilment: {
      state: f.state,
      ...(f.logisticsType ? { logisticsType: f.logisticsType } : {}),
      parcels: f.parcels.map((p) => ({
        ...(p.expressCompany ? { expressCompany: p.expressCompany } : {}),
        ...(p.expressCompanyName ? { expressCompanyName: p.expressCompanyName } : {}),
        ...(p.trackingNo ? { trackingNo: p.trackingNo } : {}),
        itemDesc: p.itemDesc,
      })),
      ...(f.shippedAt ? { shippedAt: f.shippedAt.toISOString() } : {}),
      ...(f.confirmedAt ? { confirmedAt: f.confirmedAt.toISOString() } : {}),
      ...(f.settledAt ? { settledAt: f.settledAt.toISOString() } : {}),
    },
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
