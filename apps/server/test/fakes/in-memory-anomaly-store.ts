import { Types } from 'mongoose';
import type { AnomalyDoc } from '../../src/stores/anomaly-model.js';
import type { AnomalyFilter, AnomalyStore } from '../../src/stores/anomaly-store.js';
import { toObjectId } from '../../src/stores/ids.js';
import { copy } from './copy.js';

/** Newest first, ties by id (descending), as the real store sorts. */
function newestFirst(a: AnomalyDoc, b: AnomalyDoc): number {
  const byTime = b.createdAt.getTime() - a.createdAt.getTime();
  return byTime !== 0 ? byTime : b._id.toHexString().localeCompare(a._id.toHexString());
}

function matches(anomaly: AnomalyDoc, filter: AnomalyFilter): boolean {
  const { before } = filter;
  if (filter.outTradeNo !== undefined && anomaly.outTradeNo !== filter.outTradeNo) return false;
  if (filter.kind !== undefined && anomaly.kind !== filter.kind) return false;
  if (filter.status === 'open' && anomaly.resolvedAt) return false;
  if (filter.status === 'resolved' && !anomaly.resolvedAt) return false;
  if (before) {
    const at = anomaly.createdAt.getTime();
    const cut = before.createdAt.getTime();
    if (at > cut) return false;
    if (at === cut && anomaly._id.toHexString() >= before.id.toHexString()) return false;
  }
  return true;
}

/** Anomalies in memory: one per `dedupeKey` (the first report stands), newest first. */
export function createInMemoryAnomalyStore(): AnomalyStore {
  const anomalies = new Map<string, AnomalyDoc>();
  const byId = (id: string) => {
    const _id = toObjectId(id);
    return _id ? [...anomalies.values()].find((anomaly) => anomaly._id.equals(_id)) : undefined;
  };

  return {
    async record(anomaly, now) {
      if (anomalies.has(anomaly.dedupeKey)) return undefined;
      const stored: AnomalyDoc = {
        _id: new Types.ObjectId(),
        ...copy(anomaly),
        createdAt: copy(now),
      };
      anomalies.set(anomaly.dedupeKey, stored);
      return copy(stored);
    },

    async list(filter, limit) {
      return copy(
        [...anomalies.values()]
          .filter((anomaly) => matches(anomaly, filter))
          .sort(newestFirst)
          .slice(0, limit),
      );
    },

    async findById(id) {
      const found = byId(id);
      return found ? copy(found) : null;
    },

    async resolve(id, resolution, now) {
      const found = byId(id);
      if (!found) return { outcome: 'NOT_FOUND' };
      if (found.resolvedAt) return { outcome: 'ALREADY_RESOLVED', anomaly: copy(found) };
      Object.assign(found, {
        resolvedAt: copy(now),
        resolvedBy: resolution.by,
        resolution: resolution.note,
      });
      return { outcome: 'RESOLVED', anomaly: copy(found) };
    },
  };
}
