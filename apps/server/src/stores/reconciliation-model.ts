import { Schema } from 'mongoose';
import type { ReconciliationReport } from '@fen/contracts';
import { DURABLE } from './write-concern.js';

/** One day's bill reconciliation, keyed by the day (`YYYY-MM-DD`): a re-run replaces it. */
export interface ReconciliationDoc extends Omit<ReconciliationReport, 'startedAt' | 'finishedAt'> {
  _id: string;
  startedAt: Date;
  finishedAt: Date;
}

export const reconciliationSchema = new Schema<ReconciliationDoc>(
  {
    _id: { type: String, required: true },
    date: { type: String, required: true },
    status: { type: String, required: true },
    api: { type: String, required: true },
    rows: { type: Number, required: true },
    rowsMatched: { type: Number, required: true },
    totals: { type: Schema.Types.Mixed, required: true },
    fundFlow: { type: Schema.Types.Mixed, required: true },
    differences: { type: Schema.Types.Mixed, required: true },
    error: { type: String },
    attempts: { type: Number, required: true },
    ranBy: { type: String, required: true },
    runs: { type: Number, required: true },
    startedAt: { type: Date, required: true },
    finishedAt: { type: Date, required: true },
  },
  {
    collection: 'reconciliations',
    versionKey: false,
    id: false,
    writeConcern: DURABLE,
    minimize: false,
  },
);
