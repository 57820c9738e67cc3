import { Schema } from 'mongoose';
import type { Types } from 'mongoose';
import { FULFILMENT_STATES, LOGISTICS_TYPES, ORDER_STATUSES, PAY_CHANNELS } from '@fen/contracts';
import type { FulfilmentState, LogisticsType, OrderStatus, PayChannel } from '@fen/contracts';
import { DURABLE } from './write-concern.js';

export interface OrderItemDoc {
  productId: string;
  name: string;
  quantity: number;
  unitPriceFen: number;
  subtotalFen: number;
}

export interface TimelineEntryDoc {
  at: Date;
  kind: string;
  detail: string;
}

export interface ParcelDoc {
  expressCompany?: string;
  expressCompanyName?: string;
  trackingNo?: string;
  itemDesc: string;
}

/**
 * Shipping info recorded at WeChat (发货信息管理) and what WeChat's pushes said since.
 * `uploads` counts accepted upload_shipping_info calls (each change is conditional on it);
 * `events` holds the dedupe keys of the message pushes applied, so each applies once.
 */
export interface FulfilmentDoc {
  state: FulfilmentState;
  logisticsType?: LogisticsType;
  deliveryMode?: 'unified' | 'split';
  parcels: ParcelDoc[];
  uploads: number;
  lastUploadAt?: Date;
  shippedAt?: Date;
  shippedBy?: string;
  confirmedAt?: Date;
  settledAt?: Date;
  events: string[];
}

/**
 * An order. Status changes only through conditional updates on `status` (see order-store).
 * Refund bookkeeping keeps one id list per step so each refund is reserved, settled or
 * released at most once, in the same atomic update that moves the amounts.
 */
export interface OrderDoc {
  _id: Types.ObjectId;
  userId: Types.ObjectId;
  openid: string;
  /** `<userId>:<Idempotency-Key>`; generated when the client sends none. */
  idempotencyKey: string;
  outTradeNo: string;
  status: OrderStatus;
  items: OrderItemDoc[];
  totalFen: number;
  description: string;
  createdAt: Date;
  expiresAt: Date;
  /** How the order is being paid, and the appid that channel places orders with. */
  channel: PayChannel;
  appId: string;
  /**
   * The exact unifiedorder business fields of the current attempt (this channel, this
   * out_trade_no), reused verbatim on every re-entry.
   */
  unifiedOrderParams: Record<string, string>;
  /** Earlier attempts' out_trade_no, each closed at WeChat before a channel switch. */
  formerOutTradeNos: string[];
  prepayId?: string;
  prepayExpiresAt?: Date;
  /** Native: the QR code's URL; H5: the cashier URL. From the same unifiedorder reply. */
  codeUrl?: string;
  mwebUrl?: string;
  paidAt?: Date;
  transactionId?: string;
  /** Dedupe key of the notification (or query) that moved the order to PAID. */
  paidBy?: string;
  closedAt?: Date;
  closeReason?: string;
  refundedFen: number;
  refundReservedFen: number;
  refundsReserved: string[];
  refundsSettled: string[];
  refundsReleased: string[];
  lastQueriedAt?: Date;
  fulfilment?: FulfilmentDoc;
  timeline: TimelineEntryDoc[];
}

const itemSchema = new Schema<OrderItemDoc>(
  {
    productId: { type: String, required: true },
    name: { type: String, required: true },
    quantity: { type: Number, required: true },
    unitPriceFen: { type: Number, required: true },
    subtotalFen: { type: Number, required: true },
  },
  { _id: false },
);

const timelineSchema = new Schema<TimelineEntryDoc>(
  {
    at: { type: Date, required: true },
    kind: { type: String, required: true },
    detail: { type: String, required: true },
  },
  { _id: false },
);

const parcelSchema = new Schema<ParcelDoc>(
  {
    expressCompany: { type: String },
    expressCompanyName: { type: String },
    trackingNo: { type: String },
    itemDesc: { type: String, required: true },
  },
  { _id: false },
);

const fulfilmentSchema = new Schema<FulfilmentDoc>(
  {
    state: { type: String, required: true, enum: FULFILMENT_STATES },
    logisticsType: { type: String, enum: LOGISTICS_TYPES },
    deliveryMode: { type: String, enum: ['unified', 'split'] },
    parcels: { type: [parcelSchema], default: [] },
    uploads: { type: Number, required: true, default: 0 },
    lastUploadAt: { type: Date },
    shippedAt: { type: Date },
    shippedBy: { type: String },
    confirmedAt: { type: Date },
    settledAt: { type: Date },
    events: { type: [String], default: [] },
  },
  { _id: false },
);

export const orderSchema = new Schema<OrderDoc>(
  {
    userId: { type: Schema.Types.ObjectId, required: true },
    openid: { type: String, required: true },
    idempotencyKey: { type: String, required: true, unique: true },
    outTradeNo: { type: String, required: true, unique: true },
    status: { type: String, required: true, enum: ORDER_STATUSES },
    items: { type: [itemSchema], required: true },
    totalFen: { type: Number, required: true },
    description: { type: String, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    channel: { type: String, required: true, enum: PAY_CHANNELS, default: 'miniprogram' },
    appId: { type: String, required: true },
    unifiedOrderParams: { type: Schema.Types.Mixed, required: true },
    formerOutTradeNos: { type: [String], default: [] },
    prepayId: { type: String },
    prepayExpiresAt: { type: Date },
    codeUrl: { type: String },
    mwebUrl: { type: String },
    paidAt: { type: Date },
    transactionId: { type: String },
    paidBy: { type: String },
    closedAt: { type: Date },
    closeReason: { type: String },
    refundedFen: { type: Number, required: true, default: 0 },
    refundReservedFen: { type: Number, required: true, default: 0 },
    refundsReserved: { type: [String], default: [] },
    refundsSettled: { type: [String], default: [] },
    refundsReleased: { type: [String], default: [] },
    lastQueriedAt: { type: Date },
    fulfilment: { type: fulfilmentSchema },
    timeline: { type: [timelineSchema], default: [] },
  },
  { collection: 'orders', versionKey: false, id: false, writeConcern: DURABLE },
);
orderSchema.index({ userId: 1, createdAt: -1 });
orderSchema.index({ status: 1, createdAt: 1 });
orderSchema.index({ status: 1, expiresAt: 1 });
// One WeChat transaction pays one order (sparse: unpaid orders have none). FerretDB v1 has no
// partial indexes; sparse is what it supports, and paid orders always carry a non-empty id.
orderSchema.index({ transactionId: 1 }, { unique: true, sparse: true });
