import { Schema } from 'mongoose';
import type { Types } from 'mongoose';
import { DURABLE } from './write-concern.js';

export type PaymentEventKind = 'PAY_NOTIFY' | 'REFUND_NOTIFY';
/** What handling the event did: `APPLIED` is set by exactly one event per change. */
export type PaymentEventOutcome = 'RECEIVED' | 'APPLIED' | 'NO_CHANGE' | 'ANOMALY';

/**
 * Every notification WeChat sends, stored before it is acted on and before it is acknowledged.
 * `dedupeKey` (unique) folds WeChat's retries and duplicates into one record.
 */
export interface PaymentEventDoc {
  _id: Types.ObjectId;
  dedupeKey: string;
  kind: PaymentEventKind;
  outTradeNo: string;
  orderId?: Types.ObjectId;
  transactionId?: string;
  outRefundNo?: string;
  /** The verified notification fields (refunds: the decrypted `req_info`). */
  fields: Record<string, string>;
  outcome: PaymentEventOutcome;
  receivedCount: number;
  firstReceivedAt: Date;
  lastReceivedAt: Date;
  appliedAt?: Date;
}

export const paymentEventSchema = new Schema<PaymentEventDoc>(
  {
    dedupeKey: { type: String, required: true, unique: true },
    kind: { type: String, required: true },
    outTradeNo: { type: String, required: true, index: true },
    orderId: { type: Schema.Types.ObjectId },
    transactionId: { type: String },
    outRefundNo: { type: String },
    fields: { type: Schema.Types.Mixed, required: true },
    outcome: { type: String, required: true },
    receivedCount: { type: Number, required: true },
    firstReceivedAt: { type: Date, required: true },
    lastReceivedAt: { type: Date, required: true },
    appliedAt: { type: Date },
  },
  {
    collection: 'payment_events',
    versionKey: false,
    id: false,
    writeConcern: DURABLE,
    minimize: false,
  },
);
