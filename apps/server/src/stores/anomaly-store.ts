import type { Types } from 'mongoose';
import type { Models } from './database.js';
import type { AnomalyDoc, AnomalyKind } from './anomaly-model.js';
import { upsertWithRetry } from './upsert.js';

export interface NewAnomaly {
  dedupeKey: string;
  kind: AnomalyKind;
  outTradeNo: string;
  orderId?: Types.ObjectId;
  detail: string;
  data: Record<string, string>;
}

/** Anomalies for a human: recorded once per cause, never acted on automatically. */
export function createAnomalyStore(Anomaly: Models['Anomaly']) {
  return {
    async record(anomaly: NewAnomaly, now: Date): Promise<void> {
      await upsertWithRetry(() =>
        Anomaly.updateOne(
          { dedupeKey: anomaly.dedupeKey },
          { $setOnInsert: { ...anomaly, createdAt: now } },
          { upsert: true },
        ),
      );
    },

    list(filter: { outTradeNo?: string }, limit: number): Promise<AnomalyDoc[]> {
      const query = filter.outTradeNo ? { outTradeNo: filter.outTradeNo } : {};
      return Anomaly.find(query).sort({ createdAt: -1 }).limit(limit).lean<AnomalyDoc[]>();
    },
  };
}

export type AnomalyStore = ReturnType<typeof createAnomalyStore>;
