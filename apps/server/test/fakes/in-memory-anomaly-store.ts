import { Types } from 'mongoose';
import type { AnomalyDoc } from '../../src/stores/anomaly-model.js';
import type { AnomalyStore } from '../../src/stores/anomaly-store.js';
import { copy } from './copy.js';

/** Anomalies in memory: one per `dedupeKey` (the first report stands), newest first. */
export function createInMemoryAnomalyStore(): AnomalyStore {
  const anomalies = new Map<string, AnomalyDoc>();

  return {
    async record(anomaly, now) {
      if (anomalies.has(anomaly.dedupeKey)) return;
      anomalies.set(anomaly.dedupeKey, {
        _id: new Types.ObjectId(),
        ...copy(anomaly),
        createdAt: copy(now),
      });
    },

    async list(filter, limit) {
      return copy(
        [...anomalies.values()]
          .filter((anomaly) => !filter.outTradeNo || anomaly.outTradeNo === filter.outTradeNo)
          .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
          .slice(0, limit),
      );
    },
  };
}
