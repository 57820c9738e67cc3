import { Schema } from 'mongoose';
import type { Types } from 'mongoose';
import { REFUND_STATUSES } from '@fen/contracts';
import type { RefundStatus } from '@fen/contracts';
import { DURABLE } from './write-concern.js';

/** A refund request; `outRefundNo` makes it idempotent here and at WeChat. */
export interface RefundDoc {
  _id: Types.ObjectId;
  outRefundNo: string;
  orderId: Types.ObjectId;
  outTradeNo: string;
  amountFen: number;
  reason?: string;
  /** The operator who asked for it (http/operators.ts); absent on refunds from before operators. */
  requestedBy?: string;
  status: RefundStatus;
  /** When WeChat accepted the refund request (absent: not yet, or the answer was lost). */
  acceptedAt?: Date;
  refundId?: string;
  lastError?: string;
  lastQueriedAt?: Date;
  createdAt: Date;
  completedAt?: Date;
}

export const refundSchema = new Schema<RefundDoc>(
  {
    outRefundNo: { type: String, required: true, unique: true },
    orderId: { type: Schema.Types.ObjectId, required: true, index: true },
    outTradeNo: { type: String, required: true },
    amountFen: { type: Number, required: true },
    reason: { type: String },
    requestedBy: { type: String },
    status: { type: String, required: true, enum: REFUND_STATUSES },
    acceptedAt: { type: Date },
    refundId: { type: String },
    lastError: { type: String },
    lastQueriedAt: { type: Date },
    createdAt: { type: Date, required: true },
    completedAt: { type: Date },
  },
  { collection: 'refunds', versionKey: false, id: false, writeConcern: DURABLE },
);
refundSchema.index({ status: 1, createdAt: 1 });
