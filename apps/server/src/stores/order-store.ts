import type { OrderStatus } from '@fen/contracts';
import type { Types } from 'mongoose';
import type { Models } from './database.js';
import type { FulfilmentDoc, OrderDoc, TimelineEntryDoc } from './order-model.js';
import { isDuplicateKeyError, mayBeUniqueConflict, toObjectId } from './ids.js';

export type OrderRecord = OrderDoc;
export type NewOrder = Omit<
  OrderDoc,
  | '_id'
  | 'refundedFen'
  | 'refundReservedFen'
  | 'refundsReserved'
  | 'refundsSettled'
  | 'refundsReleased'
  | 'timeline'
  | 'formerOutTradeNos'
> & { _id?: Types.ObjectId; timeline: TimelineEntryDoc[] };

/** A new payment attempt: another channel, so another out_trade_no and its own parameters. */
export type NewAttempt = Pick<OrderDoc, 'channel' | 'appId' | 'outTradeNo' | 'unifiedOrderParams'>;

/** PENDING → PAID refused by the unique transaction id: another order was paid by it. */
export class TransactionIdTaken extends Error {
  override readonly name = 'TransactionIdTaken';
  constructor(readonly transactionId: string) {
    super(`transaction ${transactionId} already paid another order`);
  }
}

/** Keep the timeline bounded however many attempts and queries an order sees. */
const TIMELINE_MAX = 200;
const pushTimeline = (entry: TimelineEntryDoc) => ({
  timeline: { $each: [entry], $slice: -TIMELINE_MAX },
});
const AFTER = { returnDocument: 'after' as const };

/**
 * Orders in MongoDB. Every status change is one conditional `findOneAndUpdate` on the expected
 * current status; the returned record is `null` when the order was not in that status. On
 * MongoDB that alone makes each change apply once. FerretDB v1 evaluates the filter and writes in
 * two steps (FerretDB#3040), so the services also decide each once-only change with a claim
 * (claim-store) and serialize work per order inside a process (order-locks).
 */
export function createOrderStore(Order: Models['Order']) {
  return {
    /** Inserts a new order; `undefined` when its idempotency key already exists. */
    async insert(order: NewOrder): Promise<OrderRecord | undefined> {
      try {
        const created = await Order.create(order);
        return created.toObject();
      } catch (err) {
        if (isDuplicateKeyError(err)) return undefined;
        throw err;
      }
    },

    async findById(id: string): Promise<OrderRecord | null> {
      const _id = toObjectId(id);
      return _id ? Order.findById(_id).lean<OrderRecord>() : null;
    },

    /** The order only if it belongs to `userId` (others' orders are indistinguishable from none). */
    async findForUser(id: string, userId: string): Promise<OrderRecord | null> {
      const _id = toObjectId(id);
      const owner = toObjectId(userId);
      return _id && owner ? Order.findOne({ _id, userId: owner }).lean<OrderRecord>() : null;
    },

    findByOutTradeNo(outTradeNo: string): Promise<OrderRecord | null> {
      return Order.findOne({ outTradeNo }).lean<OrderRecord>();
    },

    /** The order a WeChat transaction paid (at most one: a unique index). */
    findByTransactionId(transactionId: string): Promise<OrderRecord | null> {
      return Order.findOne({ transactionId }).lean<OrderRecord>();
    },

    findByIdempotencyKey(idempotencyKey: string): Promise<OrderRecord | null> {
      return Order.findOne({ idempotencyKey }).lean<OrderRecord>();
    },

    listForUser(userId: string, limit: number): Promise<OrderRecord[]> {
      const owner = toObjectId(userId);
      if (!owner) return Promise.resolve([]);
      return Order.find({ userId: owner })
        .sort({ createdAt: -1 })
        .limit(limit)
        .lean<OrderRecord[]>();
    },

    list(filter: { status?: OrderStatus; outTradeNo?: string; userId?: string }, limit: number) {
      const query: Record<string, unknown> = {};
      if (filter.status) query.status = filter.status;
      if (filter.outTradeNo) query.outTradeNo = filter.outTradeNo;
      if (filter.userId) query.userId = toObjectId(filter.userId) ?? null;
      return Order.find(query).sort({ createdAt: -1 }).limit(limit).lean<OrderRecord[]>();
    },

    /**
     * Moves an order from one of `from` to `to` in one atomic update, recording `set` and a
     * timeline entry. `null` when the order was no longer in `from` (nothing changed).
     * Throws {@link TransactionIdTaken} when `set.transactionId` already paid another order.
     */
    async transition(
      id: Types.ObjectId,
      from: OrderStatus[],
      to: OrderStatus,
      set: Partial<
        Pick<OrderDoc, 'paidAt' | 'transactionId' | 'paidBy' | 'closedAt' | 'closeReason'>
      >,
      entry: TimelineEntryDoc,
    ): Promise<OrderRecord | null> {
      try {
        return await Order.findOneAndUpdate(
          { _id: id, status: { $in: from } },
          // $addToSet: re-applying the same claimed change (crash repair) adds no second entry.
          { $set: { ...set, status: to }, $addToSet: { timeline: entry } },
          AFTER,
        ).lean<OrderRecord>();
      } catch (err) {
        const { transactionId } = set;
        if (
          transactionId &&
          mayBeUniqueConflict(err) &&
          (await Order.exists({ transactionId, _id: { $ne: id } }))
        ) {
          throw new TransactionIdTaken(transactionId);
        }
        throw err;
      }
    },

    /** Records a new prepay_id, with Native's code_url / H5's mweb_url (only while PENDING). */
    setPrepay(
      id: Types.ObjectId,
      prepay: Pick<OrderDoc, 'prepayId' | 'prepayExpiresAt' | 'codeUrl' | 'mwebUrl'>,
      entry: TimelineEntryDoc,
    ): Promise<OrderRecord | null> {
      return Order.findOneAndUpdate(
        { _id: id, status: 'PENDING' },
        { $set: prepay, $push: pushTimeline(entry) },
        AFTER,
      ).lean<OrderRecord>();
    },

    /**
     * Starts a new attempt on a PENDING order whose current one (`fromOutTradeNo`) was closed at
     * WeChat: the old number goes to `formerOutTradeNos`, the prepay is forgotten. `null` when the
     * order is no longer PENDING or another switch won.
     */
    switchAttempt(
      id: Types.ObjectId,
      fromOutTradeNo: string,
      attempt: NewAttempt,
      entry: TimelineEntryDoc,
    ): Promise<OrderRecord | null> {
      return Order.findOneAndUpdate(
        { _id: id, status: 'PENDING', outTradeNo: fromOutTradeNo },
        {
          $set: attempt,
          $unset: { prepayId: 1, prepayExpiresAt: 1, codeUrl: 1, mwebUrl: 1 },
          $push: { formerOutTradeNos: fromOutTradeNo, ...pushTimeline(entry) },
        },
        AFTER,
      ).lean<OrderRecord>();
    },

    /** Appends a timeline entry (attempts, queries, failures) without touching the status. */
    async note(
      id: Types.ObjectId,
      entry: TimelineEntryDoc,
      set: Partial<Pick<OrderDoc, 'lastQueriedAt'>> = {},
    ): Promise<void> {
      await Order.updateOne({ _id: id }, { $set: set, $push: pushTimeline(entry) });
    },

    /**
     * Records shipping accepted by WeChat, only if the order is still paid and no other upload
     * was stored since the caller read it (`uploadsBefore`). `null` otherwise.
     */
    recordShipment(
      id: Types.ObjectId,
      uploadsBefore: number,
      fulfilment: FulfilmentDoc,
      entry: TimelineEntryDoc,
    ): Promise<OrderRecord | null> {
      return Order.findOneAndUpdate(
        {
          _id: id,
          status: { $in: ['PAID', 'PARTIALLY_REFUNDED'] },
          ...(uploadsBefore === 0
            ? { fulfilment: { $exists: false } }
            : { 'fulfilment.uploads': uploadsBefore }),
        },
        { $set: { fulfilment }, $push: pushTimeline(entry) },
        AFTER,
      ).lean<OrderRecord>();
    },

    /**
     * Applies a verified settlement push to the order of `transactionId`, once per `eventKey`:
     * only from one of `from`, and never twice for the same key. `null` when it did not apply.
     */
    advanceFulfilment(
      transactionId: string,
      eventKey: string,
      from: FulfilmentDoc['state'][],
      set: Partial<Pick<FulfilmentDoc, 'state' | 'confirmedAt' | 'settledAt'>>,
      entry: TimelineEntryDoc,
    ): Promise<OrderRecord | null> {
      const fields = Object.fromEntries(
        Object.entries(set).map(([name, value]) => [`fulfilment.${name}`, value]),
      );
      return Order.findOneAndUpdate(
        {
          transactionId,
          'fulfilment.state': { $in: from },
          'fulfilment.events': { $ne: eventKey },
        },
        {
          $set: fields,
          $push: { 'fulfilment.events': eventKey, ...pushTimeline(entry) },
        },
        AFTER,
      ).lean<OrderRecord>();
    },

    /** PENDING orders created before `createdBefore`, not yet expired, not queried since then. */
    findStalePending(createdBefore: Date, now: Date, limit: number): Promise<OrderRecord[]> {
      return Order.find({
        status: 'PENDING',
        createdAt: { $lte: createdBefore },
        expiresAt: { $gt: now },
        $or: [{ lastQueriedAt: { $exists: false } }, { lastQueriedAt: { $lte: createdBefore } }],
      })
        .sort({ createdAt: 1 })
        .limit(limit)
        .lean<OrderRecord[]>();
    },

    findExpiredPending(now: Date, limit: number): Promise<OrderRecord[]> {
      return Order.find({ status: 'PENDING', expiresAt: { $lte: now } })
        .sort({ expiresAt: 1 })
        .limit(limit)
        .lean<OrderRecord[]>();
    },

    /**
     * Reserves `amountFen` of a paid order for refund `outRefundNo`, atomically: only if what is
     * already reserved plus this stays within the total, and only once per refund number.
     */
    reserveRefund(
      order: OrderRecord,
      outRefundNo: string,
      amountFen: number,
      entry: TimelineEntryDoc,
    ): Promise<OrderRecord | null> {
      return Order.findOneAndUpdate(
        {
          _id: order._id,
          status: { $in: ['PAID', 'PARTIALLY_REFUNDED'] },
          // totalFen never changes, so "reserved + amount ≤ total" is a constant bound.
          refundReservedFen: { $lte: order.totalFen - amountFen },
          refundsReserved: { $ne: outRefundNo },
        },
        {
          $inc: { refundReservedFen: amountFen },
          $push: { refundsReserved: outRefundNo, ...pushTimeline(entry) },
        },
        AFTER,
      ).lean<OrderRecord>();
    },

    /**
     * Counts a reserved refund as done, once: refundedFen grows and the status follows
     * (PARTIALLY_REFUNDED or REFUNDED). Optimistic on refundedFen, retried on a concurrent change.
     * Returns the order and whether this call applied it.
     */
    async settleRefund(
      orderId: Types.ObjectId,
      outRefundNo: string,
      amountFen: number,
      entry: TimelineEntryDoc,
    ): Promise<{ order: OrderRecord | null; applied: boolean }> {
      for (let attempt = 0; attempt < 20; attempt += 1) {
        const order = await Order.findById(orderId).lean<OrderRecord>();
        if (!order || order.refundsSettled.includes(outRefundNo)) return { order, applied: false };
        if (!order.refundsReserved.includes(outRefundNo)) return { order, applied: false };
        const refundedFen = order.refundedFen + amountFen;
        const updated = await Order.findOneAndUpdate(
          {
            _id: orderId,
            refundedFen: order.refundedFen,
            refundsReserved: outRefundNo,
            refundsSettled: { $ne: outRefundNo },
            refundsReleased: { $ne: outRefundNo },
            status: { $in: ['PAID', 'PARTIALLY_REFUNDED'] },
          },
          {
            $set: {
              refundedFen,
              status: refundedFen >= order.totalFen ? 'REFUNDED' : 'PARTIALLY_REFUNDED',
            },
            $push: { refundsSettled: outRefundNo, ...pushTimeline(entry) },
          },
          AFTER,
        ).lean<OrderRecord>();
        if (updated) return { order: updated, applied: true };
      }
      throw new Error(`settleRefund: order ${orderId.toString()} kept changing; try again`);
    },

    /** Gives a failed refund's reservation back, once. */
    releaseRefund(
      orderId: Types.ObjectId,
      outRefundNo: string,
      amountFen: number,
      entry: TimelineEntryDoc,
    ): Promise<OrderRecord | null> {
      return Order.findOneAndUpdate(
        {
          _id: orderId,
          refundsReserved: outRefundNo,
          refundsSettled: { $ne: outRefundNo },
          refundsReleased: { $ne: outRefundNo },
        },
        {
          $inc: { refundReservedFen: -amountFen },
          $push: { refundsReleased: outRefundNo, ...pushTimeline(entry) },
        },
        AFTER,
      ).lean<OrderRecord>();
    },
  };
}

export type OrderStore = ReturnType<typeof createOrderStore>;
