import { Schema } from 'mongoose';
import { DURABLE } from './write-concern.js';

/**
 * A once-only decision (e.g. "order X leaves PENDING, to PAID, because of event Y"). Its `_id` is
 * the decision's identity, so inserting it is the one step that is atomic on every MongoDB
 * wire-compatible store — FerretDB v1 included, whose findAndModify is not (FerretDB#3040).
 * `change` holds exactly what to apply, so a crash after the insert is repaired by re-applying it.
 */
export interface ClaimDoc {
  _id: string;
  change: Record<string, unknown>;
  createdAt: Date;
  /** Set by flows that record the application on the claim (refunds); an order's exit is
   *  recorded by the order leaving PENDING instead. */
  appliedAt?: Date;
}

export const claimSchema = new Schema<ClaimDoc>(
  {
    _id: { type: String, required: true },
    change: { type: Schema.Types.Mixed, required: true },
    createdAt: { type: Date, required: true },
    appliedAt: { type: Date },
  },
  { collection: 'claims', versionKey: false, id: false, writeConcern: DURABLE, minimize: false },
);
