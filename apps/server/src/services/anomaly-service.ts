import type {
  AdminAnomaly,
  AdminAnomalyListResponse,
  AnomalyKind,
  AnomalyStatus,
} from '@fen/contracts';
import type { Clock } from '../clock.js';
import { appError } from '../errors.js';
import type { AnomalyDoc } from '../stores/anomaly-model.js';
import type { AnomalyStore } from '../stores/anomaly-store.js';

export interface AnomalyQuery {
  status?: AnomalyStatus;
  kind?: AnomalyKind;
  limit: number;
  /** The id of the last anomaly of the previous page. */
  before?: string;
}

export function toAdminAnomaly(anomaly: AnomalyDoc): AdminAnomaly {
  return {
    id: anomaly._id.toHexString(),
    kind: anomaly.kind,
    status: anomaly.resolvedAt ? 'resolved' : 'open',
    outTradeNo: anomaly.outTradeNo,
    ...(anomaly.orderId ? { orderId: anomaly.orderId.toHexString() } : {}),
    detail: anomaly.detail,
    data: anomaly.data,
    createdAt: anomaly.createdAt.toISOString(),
    ...(anomaly.resolvedAt
      ? {
          resolution: {
            at: anomaly.resolvedAt.toISOString(),
            by: anomaly.resolvedBy ?? '',
            note: anomaly.resolution ?? '',
          },
        }
      : {}),
  };
}

/** The anomaly queue: every anomaly, newest first, and its resolution by a named operator. */
export function createAnomalyService(deps: { anomalies: AnomalyStore; clock: Clock }) {
  const { anomalies, clock } = deps;
  return {
    async list(query: AnomalyQuery): Promise<AdminAnomalyListResponse> {
      let before: { createdAt: Date; id: AnomalyDoc['_id'] } | undefined;
      if (query.before !== undefined) {
        const last = await anomalies.findById(query.before);
        if (!last) throw appError('VALIDATION_FAILED', 'invalid before: no such anomaly');
        before = { createdAt: last.createdAt, id: last._id };
      }
      const found = await anomalies.list(
        {
          ...(query.status ? { status: query.status } : {}),
          ...(query.kind ? { kind: query.kind } : {}),
          ...(before ? { before } : {}),
        },
        // One more than asked tells whether another page follows.
        query.limit + 1,
      );
      const page = found.slice(0, query.limit);
      const last = page.at(-1);
      return {
        anomalies: page.map(toAdminAnomaly),
        ...(found.length > query.limit && last ? { nextBefore: last._id.toHexString() } : {}),
      };
    },

    /** Records who settled it and how; once (a second resolution is a 409, changing nothing). */
    async resolve(id: string, operator: string, note: string): Promise<AdminAnomaly> {
      const result = await anomalies.resolve(id, { by: operator, note }, clock.now());
      if (result.outcome === 'NOT_FOUND') throw appError('NOT_FOUND', 'no such anomaly');
      if (result.outcome === 'ALREADY_RESOLVED') {
        throw appError(
          'CONFLICT',
          `anomaly already resolved by ${result.anomaly.resolvedBy ?? '?'} at ${result.anomaly.resolvedAt?.toISOString() ?? '?'}`,
        );
      }
      return toAdminAnomaly(result.anomaly);
    },
  };
}

export type AnomalyService = ReturnType<typeof createAnomalyService>;
