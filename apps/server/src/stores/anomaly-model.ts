import { Schema } from 'mongoose';
import type { Types } from 'mongoose';
import type { AnomalyKind } from '@fen/contracts';
import { DURABLE } from './write-concern.js';

// The kinds are listed once, in @fen/contracts (the admin API filters by them).
export type { AnomalyKind };

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
  /** Set once, when an operator resolves it (with `resolvedBy` and `resolution`). */
  resolvedAt?: Date;
  /** The operator's name (http/operators.ts), never a token. */
  resolvedBy?: string;
  /** How it was settled, in the operator's words. */
  resolution?: string;
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
    resolvedBy: { type: String },
    resolution: { type: String },
  },
  { collection: 'anomalies', versionKey: false, id: false, writeConcern: DURABLE, minimize: false },
);

// The queue is read newest first, one page after another (anomaly-store.ts `list`).
anomalySchema.index({ createdAt: -1, _id: -1 });
