import { Schema } from 'mongoose';
import type { Types } from 'mongoose';
import { DURABLE } from './write-concern.js';

export type AnomalyKind =
  | 'AMOUNT_MISMATCH'
  | 'MISSING_TRANSACTION_ID'
  | 'UNKNOWN_ORDER'
  | 'UNKNOWN_REFUND'
  | 'PAID_AFTER_CLOSE'
  /** A verified notification's appid is not the one the order was placed with. */
  | 'APPID_MISMATCH'
  /** A payment reported in another currency than CNY (APIv2 fee_type, APIv3 amount.currency). */
  | 'CURRENCY_MISMATCH'
  /** A transaction_id that already paid another order is reported paying this one. */
  | 'TRANSACTION_REUSED'
  /** The daily bill and Fen disagree (`data.difference` says how: services/bill-matching.ts). */
  | 'BILL_DIFFERENCE';

/** Something money-related a human must look at; never applied automatically. */
export interface AnomalyDoc {
  _id: Types.ObjectId;
  /** One record per cause, however often WeChat repeats it. */
  dedupeKey: string;
  kind: AnomalyKind;
  outTradeNo: string;
  orderId?: Types.ObjectId;
  detail: string;
  data: Record<string, string>;
  createdAt: Date;
  resolvedAt?: Date;
}

export const anomalySchema = new Schema<AnomalyDoc>(
  {
    dedupeKey: { type: String, required: true, unique: true },
    kind: { type: String, required: true },
    outTradeNo: { type: String, required: true, index: true },
    orderId: { type: Schema.Types.ObjectId },
    detail: { type: String, required: true },
    data: { type: Schema.Types.Mixed, required: true },
    createdAt: { type: Date, required: true },
    resolvedAt: { type: Date },
  },
  { collection: 'anomalies', versionKey: false, id: false, writeConcern: DURABLE, minimize: false },
);
