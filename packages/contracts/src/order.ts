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

/**
 * Where a paid order stands in WeChat's shipping-info service (小程序发货信息管理), beside its
 * payment and refund status: recorded as shipped by an operator, receipt confirmed by the shopper
 * (or by WeChat after some days), then the funds settled to the merchant.
 */
export const FULFILMENT_STATES = ['UNSHIPPED', 'SHIPPED', 'CONFIRMED', 'SETTLED'] as const;
export type FulfilmentState = (typeof FULFILMENT_STATES)[number];

/** How the goods left: WeChat's logistics_type 1–4. */
export const LOGISTICS_TYPES = ['express', 'same-city', 'virtual', 'self-pickup'] as const;
export type LogisticsType = (typeof LOGISTICS_TYPES)[number];

/** One parcel as the shopper sees it (express only has a company and a tracking number). */
export interface ShipmentParcel {
  /** WeChat's delivery_id, e.g. `SF`. */
  expressCompany?: string;
  /** Its name for people, e.g. 顺丰速运 (from get_delivery_list). */
  expressCompanyName?: string;
  trackingNo?: string;
  itemDesc: string;
}

export interface Fulfilment {
  state: FulfilmentState;
  logisticsType?: LogisticsType;
  parcels?: ShipmentParcel[];
  shippedAt?: string;
  confirmedAt?: string;
  settledAt?: string;
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
  /** Shipping info (mini-program orders under WeChat's trade management), once paid. */
  fulfilment?: Fulfilment;
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
