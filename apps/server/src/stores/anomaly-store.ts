import type { AnomalyStatus } from '@fen/contracts';
import type { QueryFilter, Types } from 'mongoose';
import type { Models } from './database.js';
import type { AnomalyDoc, AnomalyKind } from './anomaly-model.js';
import { toObjectId } from './ids.js';
import { upsertWithRetry } from './upsert.js';

export interface NewAnomaly {
  dedupeKey: string;
  kind: AnomalyKind;
  outTradeNo: string;
  orderId?: Types.ObjectId;
  detail: string;
  data: Record<string, string>;
}

export interface AnomalyFilter {
  outTradeNo?: string;
  kind?: AnomalyKind;
  status?: AnomalyStatus;
  /** Only anomalies listed after this one (older, or as old with a smaller id): the next page. */
  before?: { createdAt: Date; id: Types.ObjectId };
}

/** Who settled an anomaly and how. */
export interface Resolution {
  by: string;
  note: string;
}

export type ResolveResult =
  | { outcome: 'RESOLVED'; anomaly: AnomalyDoc }
  /** Someone resolved it first: theirs stands, unchanged. */
  | { outcome: 'ALREADY_RESOLVED'; anomaly: AnomalyDoc }
  | { outcome: 'NOT_FOUND' };

function query(filter: AnomalyFilter): QueryFilter<AnomalyDoc> {
  const { before } = filter;
  return {
    ...(filter.outTradeNo !== undefined ? { outTradeNo: filter.outTradeNo } : {}),
    ...(filter.kind !== undefined ? { kind: filter.kind } : {}),
    ...(filter.status === 'open' ? { resolvedAt: { $exists: false } } : {}),
    ...(filter.status === 'resolved' ? { resolvedAt: { $exists: true } } : {}),
    ...(before
      ? {
          $or: [
            { createdAt: { $lt: before.createdAt } },
            { createdAt: before.createdAt, _id: { $lt: before.id } },
          ],
        }
      : {}),
  };
}

/** Anomalies for a human: recorded once per cause, never acted on automatically. */
export function createAnomalyStore(Anomaly: Models['Anomaly']) {
  return {
    /** Stores the anomaly unless its cause is already recorded; the new one, if this stored it. */
    async record(anomaly: NewAnomaly, now: Date): Promise<AnomalyDoc | undefined> {
      const result = await upsertWithRetry(() =>
        Anomaly.updateOne(
          { dedupeKey: anomaly.dedupeKey },
          { $setOnInsert: { ...anomaly, createdAt: now } },
          { upsert: true },
        ),
      );
      if (result.upsertedCount !== 1 || !result.upsertedId) return undefined;
      return { _id: result.upsertedId as Types.ObjectId, ...anomaly, createdAt: now };
    },

    /** Newest first (ties by id, so pages never skip or repeat one). */
    list(filter: AnomalyFilter, limit: number): Promise<AnomalyDoc[]> {
      return Anomaly.find(query(filter))
        .sort({ createdAt: -1, _id: -1 })
        .limit(limit)
        .lean<AnomalyDoc[]>();
    },

    async findById(id: string): Promise<AnomalyDoc | null> {
      const _id = toObjectId(id);
      return _id ? Anomaly.findById(_id).lean<AnomalyDoc>() : null;
    },

    /** Resolves an open anomaly, once: a conditional update, so two operators cannot both. */
    async resolve(id: string, resolution: Resolution, now: Date): Promise<ResolveResult> {
      const _id = toObjectId(id);
      if (!_id) return { outcome: 'NOT_FOUND' };
      const resolved = await Anomaly.findOneAndUpdate(
        { _id, resolvedAt: { $exists: false } },
        { $set: { resolvedAt: now, resolvedBy: resolution.by, resolution: resolution.note } },
        { returnDocument: 'after' },
      ).lean<AnomalyDoc>();
      if (resolved) return { outcome: 'RESOLVED', anomaly: resolved };
      const existing = await Anomaly.findById(_id).lean<AnomalyDoc>();
      return existing
        ? { outcome: 'ALREADY_RESOLVED', anomaly: existing }
        : { outcome: 'NOT_FOUND' };
    },
  };
}

export type AnomalyStore = ReturnType<typeof createAnomalyStore>;
