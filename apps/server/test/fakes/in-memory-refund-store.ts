import { Types } from 'mongoose';
import type { RefundDoc } from '../../src/stores/refund-model.js';
import type { RefundStore } from '../../src/stores/refund-store.js';
import { copy } from './copy.js';

/**
 * Refunds in memory: unique `outRefundNo`, and a refund leaves PROCESSING once (`complete`
 * returns `null` when it already had).
 */
export function createInMemoryRefundStore(): RefundStore {
  const refunds = new Map<string, RefundDoc>();

  return {
    async insert(refund) {
      if (refunds.has(refund.outRefundNo)) return undefined;
      const created: RefundDoc = { _id: new Types.ObjectId(), ...copy(refund) };
      refunds.set(refund.outRefundNo, created);
      return copy(created);
    },

    async findByOutRefundNo(outRefundNo) {
      const refund = refunds.get(outRefundNo);
      return refund ? copy(refund) : null;
    },

    async listForOrders(orderIds) {
      return copy(
        [...refunds.values()]
          .filter((refund) => orderIds.some((id) => id.equals(refund.orderId)))
          .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()),
      );
    },

    async markAccepted(outRefundNo, refundId, now) {
      const refund = refunds.get(outRefundNo);
      if (!refund) return;
      refund.acceptedAt = copy(now);
      if (refundId) refund.refundId = refundId;
      delete refund.lastError;
    },

    async note(outRefundNo, set) {
      const refund = refunds.get(outRefundNo);
      if (refund) Object.assign(refund, copy(set));
    },

    async complete(outRefundNo, status, set) {
      const refund = refunds.get(outRefundNo);
      if (!refund || refund.status !== 'PROCESSING') return null;
      Object.assign(refund, copy(set), { status });
      return copy(refund);
    },

    async findStuckProcessing(createdBefore, limit) {
      const before = createdBefore.getTime();
      return copy(
        [...refunds.values()]
          .filter(
            (refund) =>
              refund.status === 'PROCESSING' &&
              refund.createdAt.getTime() <= before &&
              (!refund.lastQueriedAt || refund.lastQueriedAt.getTime() <= before),
          )
          .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
          .slice(0, limit),
      );
    },
  };
}
