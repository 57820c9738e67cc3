import type { Order, OrderStatus, OrderTimelineEntry } from '@fen/contracts';
import { formatFen, formatTime } from '../utils/format';

/** How each order status reads. */
export const STATUS_TEXT: Record<OrderStatus, string> = {
  PENDING: 'Awaiting payment',
  PAID: 'Paid',
  PARTIALLY_REFUNDED: 'Partly refunded',
  REFUNDED: 'Refunded',
  CLOSED: 'Closed',
};

/** An order in the list. */
export interface OrderSummaryView {
  id: string;
  title: string;
  status: OrderStatus;
  statusText: string;
  totalText: string;
  createdText: string;
}

/** An order on its own page. */
export interface OrderDetailView extends OrderSummaryView {
  outTradeNo: string;
  transactionId: string;
  paidText: string;
  closedText: string;
  expiresText: string;
  refundedText: string;
  items: Array<{ name: string; quantity: number; unitText: string; subtotalText: string }>;
  timeline: Array<{ atText: string; text: string }>;
  canPay: boolean;
  canCancel: boolean;
}

/** "Jasmine tea ×2", or the first item and how many more. */
function titleOf(order: Order): string {
  const [first, ...rest] = order.items;
  if (!first) return order.description;
  const head = `${first.name} ×${first.quantity}`;
  return rest.length ? `${head} and ${rest.length} more` : head;
}

export function orderSummary(order: Order): OrderSummaryView {
  return {
    id: order.id,
    title: titleOf(order),
    status: order.status,
    statusText: STATUS_TEXT[order.status] ?? order.status,
    totalText: formatFen(order.totalFen),
    createdText: formatTime(order.createdAt),
  };
}

/**
 * The order's timeline: the server's (attempts, notifications, queries) when it sends one,
 * otherwise what the order's own times tell, in lifecycle order. Not sorted by time: WeChat's
 * time_end has whole seconds, so a payment can carry a time just before the order's creation.
 */
export function timelineOf(order: Order): OrderTimelineEntry[] {
  if (order.timeline && order.timeline.length > 0) return order.timeline;
  const entries: OrderTimelineEntry[] = [
    { at: order.createdAt, kind: 'created', detail: `Order placed, ${formatFen(order.totalFen)}` },
  ];
  if (order.paidAt) entries.push({ at: order.paidAt, kind: 'paid', detail: 'Payment confirmed' });
  if (order.closedAt) entries.push({ at: order.closedAt, kind: 'closed', detail: 'Order closed' });
  return entries;
}

export function orderDetail(order: Order): OrderDetailView {
  const pending = order.status === 'PENDING';
  return {
    ...orderSummary(order),
    outTradeNo: order.outTradeNo,
    transactionId: order.transactionId ?? '',
    paidText: formatTime(order.paidAt),
    closedText: formatTime(order.closedAt),
    expiresText: pending ? formatTime(order.expiresAt) : '',
    refundedText: order.refundedFen > 0 ? formatFen(order.refundedFen) : '',
    items: order.items.map((item) => ({
      name: item.name,
      quantity: item.quantity,
      unitText: formatFen(item.unitPriceFen),
      subtotalText: formatFen(item.subtotalFen),
    })),
    timeline: timelineOf(order).map((entry) => ({
      atText: formatTime(entry.at),
      text: entry.detail || entry.kind,
    })),
    canPay: pending,
    canCancel: pending,
  };
}
