import type { OrderStatus, OrderTimelineEntry } from '@fen/contracts';
import type { AdminOrder } from '@fen/contracts';
import type { AnomalyStore } from '../stores/anomaly-store.js';
import type { OrderStore } from '../stores/order-store.js';
import type { PaymentEventStore } from '../stores/payment-event-store.js';
import type { PaymentEventDoc } from '../stores/payment-event-model.js';
import type { RefundStore } from '../stores/refund-store.js';
import { appError } from '../errors.js';
import { reportedOutcome } from '../wechat/stored-event.js';
import { timelineOf, toApiOrder, toApiRefund } from './order-view.js';

export interface AdminOrderFilter {
  status?: OrderStatus;
  outTradeNo?: string;
  userId?: string;
  limit: number;
}

function eventEntry(event: PaymentEventDoc): OrderTimelineEntry {
  const status = reportedOutcome(event.fields);
  const times = event.receivedCount > 1 ? ` ×${event.receivedCount}` : '';
  return {
    at: event.firstReceivedAt.toISOString(),
    kind: event.kind,
    detail: `${status}${times} → ${event.outcome} (${event.dedupeKey})`,
  };
}

/** The operator's view: orders with their full payment timeline, refunds and anomalies. */
export function createAdminService(deps: {
  orders: OrderStore;
  refunds: RefundStore;
  events: PaymentEventStore;
  anomalies: AnomalyStore;
}) {
  const { orders, refunds, events, anomalies } = deps;
  return {
    async listOrders(filter: AdminOrderFilter): Promise<AdminOrder[]> {
      const found = await orders.list(filter, filter.limit);
      const allRefunds = await refunds.listForOrders(found.map((order) => order._id));
      const result: AdminOrder[] = [];
      for (const order of found) {
        const orderEvents = await events.listForOrder(order.outTradeNo);
        const orderAnomalies = await anomalies.list({ outTradeNo: order.outTradeNo }, 50);
        const timeline = [...timelineOf(order), ...orderEvents.map(eventEntry)].sort((a, b) =>
          a.at < b.at ? -1 : a.at > b.at ? 1 : 0,
        );
        result.push({
          ...toApiOrder(order),
          timeline,
          userId: order.userId.toHexString(),
          refunds: allRefunds.filter((r) => r.orderId.equals(order._id)).map(toApiRefund),
          anomalies: orderAnomalies.map((a) => ({
            kind: a.kind,
            detail: a.detail,
            createdAt: a.createdAt.toISOString(),
          })),
        });
      }
      return result;
    },

    async getOrder(orderId: string): Promise<AdminOrder> {
      const order = await orders.findById(orderId);
      if (!order) throw appError('NOT_FOUND', 'no such order');
      const [found] = await this.listOrders({
        outTradeNo: order.outTradeNo,
        limit: 1,
      });
      if (!found) throw appError('NOT_FOUND', 'no such order');
      return found;
    },
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
