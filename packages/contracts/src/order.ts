import type { Fen } from './money.js';

/**
 * Order states as the API shows them. Transitions only go forward:
 * PENDING → PAID → (PARTIALLY_REFUNDED →) REFUNDED, and PENDING → CLOSED.
 */
export const ORDER_STATUSES = [
  'PENDING',
  'PAID',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
  'CLOSED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const REFUND_STATUSES = ['PROCESSING', 'SUCCESS', 'CLOSED', 'CHANGE'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

/** Payment channels the server can create payment data for. */
export const PAY_CHANNELS = ['miniprogram', 'jsapi', 'app', 'native', 'h5'] as const;
export type PayChannel = (typeof PAY_CHANNELS)[number];

export interface OrderItem {
  productId: string;
  name: string;
  quantity: number;
  unitPriceFen: Fen;
  subtotalFen: Fen;
}

/** One entry of an order's payment timeline (attempts, notifications, queries, refunds). */
export interface OrderTimelineEntry {
  at: string;
  kind: string;
  detail: string;
}

export interface Order {
  id: string;
  outTradeNo: string;
  status: OrderStatus;
  items: OrderItem[];
  totalFen: Fen;
  refundedFen: Fen;
  description: string;
  createdAt: string;
  /** When the order can no longer be paid (ISO 8601). */
  expiresAt: string;
  paidAt?: string;
  closedAt?: string;
  transactionId?: string;
  /** How the order is being paid; switching it for a PENDING order starts a new attempt. */
  channel: PayChannel;
  timeline?: OrderTimelineEntry[];
}

export interface Refund {
  id: string;
  orderId: string;
  outRefundNo: string;
  amountFen: Fen;
  reason?: string;
  /** The operator who asked for the refund (admin API only). */
  requestedBy?: string;
  status: RefundStatus;
  createdAt: string;
  completedAt?: string;
}
