import type { RefundStatus } from '@fen/contracts';
import type { Types } from 'mongoose';
import type { Models } from './database.js';
import { isDuplicateKeyError } from './ids.js';
import type { RefundDoc } from './refund-model.js';

export type NewRefund = Omit<RefundDoc, '_id'>;

export function createRefundStore(Refund: Models['Refund']) {
  return {
    /** Inserts a refund; `undefined` when its out_refund_no already exists. */
    async insert(refund: NewRefund): Promise<RefundDoc | undefined> {
      try {
        return (await Refund.create(refund)).toObject();
      } catch (err) {
        if (isDuplicateKeyError(err)) return undefined;
        throw err;
      }
    },

    findByOutRefundNo(outRefundNo: string): Promise<RefundDoc | null> {
      return Refund.findOne({ outRefundNo }).lean<RefundDoc>();
    },

    listForOrders(orderIds: Types.ObjectId[]): Promise<RefundDoc[]> {
      return Refund.find({ orderId: { $in: orderIds } })
        .sort({ createdAt: 1 })
        .lean<RefundDoc[]>();
    },

    /** Records that WeChat accepted the request (still PROCESSING until it completes). */
    async markAccepted(
      outRefundNo: string,
      refundId: string | undefined,
      now: Date,
    ): Promise<void> {
      await Refund.updateOne(
        { outRefundNo },
        { $set: { acceptedAt: now, ...(refundId ? { refundId } : {}) }, $unset: { lastError: 1 } },
      );
    },

    async note(outRefundNo: string, set: Partial<Pick<RefundDoc, 'lastError' | 'lastQueriedAt'>>) {
      await Refund.updateOne({ outRefundNo }, { $set: set });
    },

    /** PROCESSING → a final status, once; `null` when it was already final. */
    complete(
      outRefundNo: string,
      status: Exclude<RefundStatus, 'PROCESSING'>,
      set: Partial<Pick<RefundDoc, 'refundId' | 'completedAt' | 'lastError'>>,
    ): Promise<RefundDoc | null> {
      return Refund.findOneAndUpdate(
        { outRefundNo, status: 'PROCESSING' },
        { $set: { ...set, status } },
        { returnDocument: 'after' },
      ).lean<RefundDoc>();
    },

    findStuckProcessing(createdBefore: Date, limit: number): Promise<RefundDoc[]> {
      return Refund.find({
        status: 'PROCESSING',
        createdAt: { $lte: createdBefore },
        $or: [{ lastQueriedAt: { $exists: false } }, { lastQueriedAt: { $lte: createdBefore } }],
      })
        .sort({ createdAt: 1 })
        .limit(limit)
        .lean<RefundDoc[]>();
    },
  };
}

export type RefundStore = ReturnType<typeof createRefundStore>;
