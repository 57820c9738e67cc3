import type { OrderStatus } from '@fen/contracts';
import { Types } from 'mongoose';
import { toObjectId } from '../../src/stores/ids.js';
import type { TimelineEntryDoc } from '../../src/stores/order-model.js';
import { TransactionIdTaken } from '../../src/stores/order-store.js';
import type { OrderRecord, OrderStore } from '../../src/stores/order-store.js';
import { copy } from './copy.js';
import { duplicateKeyError } from './duplicate-key-error.js';

/** As in the real store: the timeline keeps its last 200 entries. */
const TIMELINE_MAX = 200;
const REFUNDABLE: OrderStatus[] = ['PAID', 'PARTIALLY_REFUNDED'];

const sameEntry = (a: TimelineEntryDoc, b: TimelineEntryDoc) =>
  a.at.getTime() === b.at.getTime() && a.kind === b.kind && a.detail === b.detail;

const newestFirst = (a: OrderRecord, b: OrderRecord) =>
  b.createdAt.getTime() - a.createdAt.getTime();

/**
 * Orders in memory, with the semantics of `createOrderStore` that the services rely on: unique
 * idempotency key and out_trade_no, status changes only from the expected statuses (`null`
 * otherwise), each refund reserved / settled / released at most once, a bounded timeline, and
 * copies out (never the stored object). Updates apply synchronously, so each is atomic.
 */
export function createInMemoryOrderStore(): OrderStore {
  const orders = new Map<string, OrderRecord>();

  const stored = (id: Types.ObjectId) => orders.get(id.toHexString());
  const all = () => [...orders.values()];
  const found = (order: OrderRecord | undefined) => (order ? copy(order) : null);
  const pushTimeline = (order: OrderRecord, entry: TimelineEntryDoc) => {
    order.timeline = [...order.timeline, copy(entry)].slice(-TIMELINE_MAX);
  };

  /** Applies `change` to the order if it `matches`, like a conditional findOneAndUpdate. */
  function update(
    id: Types.ObjectId,
    matches: (order: OrderRecord) => boolean,
    change: (order: OrderRecord) => void,
  ): OrderRecord | null {
    const order = stored(id);
    if (!order || !matches(order)) return null;
    change(order);
    return copy(order);
  }

  return {
    async insert(order) {
      const record: OrderRecord = {
        formerOutTradeNos: [],
        refundedFen: 0,
        refundReservedFen: 0,
        refundsReserved: [],
        refundsSettled: [],
        refundsReleased: [],
        ...copy(order),
        _id: order._id ?? new Types.ObjectId(),
      };
      const taken = all().some(
        (other) =>
          other._id.equals(record._id) ||
          other.idempotencyKey === record.idempotencyKey ||
          other.outTradeNo === record.outTradeNo,
      );
      if (taken) return undefined;
      orders.set(record._id.toHexString(), record);
      return copy(record);
    },

    async findById(id) {
      const _id = toObjectId(id);
      return found(_id && stored(_id));
    },

    async findForUser(id, userId) {
      const _id = toObjectId(id);
      const owner = toObjectId(userId);
      const order = _id && owner ? stored(_id) : undefined;
      return found(order?.userId.equals(owner) ? order : undefined);
    },

    async findByOutTradeNo(outTradeNo) {
      return found(all().find((order) => order.outTradeNo === outTradeNo));
    },

    async findByTransactionId(transactionId) {
      return found(all().find((order) => order.transactionId === transactionId));
    },

    async findByIdempotencyKey(idempotencyKey) {
      return found(all().find((order) => order.idempotencyKey === idempotencyKey));
    },

    async listForUser(userId, limit) {
      const owner = toObjectId(userId);
      if (!owner) return [];
      return copy(
        all()
          .filter((order) => order.userId.equals(owner))
          .sort(newestFirst)
          .slice(0, limit),
      );
    },

    // The real `list` has no declared return type, so its type is a mongoose query (which its
    // callers await): a promise of the same records stands in for it, hence the cast.
    list: (async (
      filter: { status?: OrderStatus; outTradeNo?: string; userId?: string },
      limit: number,
    ) => {
      const owner = filter.userId ? toObjectId(filter.userId) : undefined;
      if (filter.userId && !owner) return [];
      return copy(
        all()
          .filter((order) => !filter.status || order.status === filter.status)
          .filter((order) => !filter.outTradeNo || order.outTradeNo === filter.outTradeNo)
          .filter((order) => !owner || order.userId.equals(owner))
          .sort(newestFirst)
          .slice(0, limit),
      );
    }) as unknown as OrderStore['list'],

    async transition(id, from, to, set, entry) {
      // The unique sparse index on transactionId.
      const { transactionId } = set;
      if (
        transactionId &&
        all().some((o) => o.transactionId === transactionId && !o._id.equals(id))
      ) {
        throw new TransactionIdTaken(transactionId);
      }
      return update(
        id,
        (order) => from.includes(order.status),
        (order) => {
          Object.assign(order, copy(set), { status: to });
          // $addToSet: the same entry applied again (crash repair) is not added twice.
          if (!order.timeline.some((kept) => sameEntry(kept, entry))) {
            order.timeline.push(copy(entry));
          }
        },
      );
    },

    async setPrepay(id, prepay, entry) {
      return update(
        id,
        (order) => order.status === 'PENDING',
        (order) => {
          Object.assign(order, copy(prepay));
          pushTimeline(order, entry);
        },
      );
    },

    async switchAttempt(id, fromOutTradeNo, attempt, entry) {
      const order = stored(id);
      if (!order || order.status !== 'PENDING' || order.outTradeNo !== fromOutTradeNo) return null;
      if (all().some((other) => other !== order && other.outTradeNo === attempt.outTradeNo)) {
        throw duplicateKeyError('orders', { outTradeNo: attempt.outTradeNo });
      }
      Object.assign(order, copy(attempt));
      delete order.prepayId;
      delete order.prepayExpiresAt;
      delete order.codeUrl;
      delete order.mwebUrl;
      order.formerOutTradeNos.push(fromOutTradeNo);
      pushTimeline(order, entry);
      return copy(order);
    },

    async note(id, entry, set = {}) {
      update(
        id,
        () => true,
        (order) => {
          Object.assign(order, copy(set));
          pushTimeline(order, entry);
        },
      );
    },

    async recordShipment(id, uploadsBefore, fulfilment, entry) {
      return update(
        id,
        (order) =>
          REFUNDABLE.includes(order.status) && (order.fulfilment?.uploads ?? 0) === uploadsBefore,
        (order) => {
          order.fulfilment = copy(fulfilment);
          pushTimeline(order, entry);
        },
      );
    },

    async advanceFulfilment(transactionId, eventKey, from, set, entry) {
      const order = all().find((candidate) => candidate.transactionId === transactionId);
      if (!order) return null;
      return update(
        order._id,
        (o) =>
          o.fulfilment !== undefined &&
          from.includes(o.fulfilment.state) &&
          !o.fulfilment.events.includes(eventKey),
        (o) => {
          if (!o.fulfilment) return;
          Object.assign(o.fulfilment, copy(set));
          o.fulfilment.events.push(eventKey);
          pushTimeline(o, entry);
        },
      );
    },

    async findStalePending(createdBefore, now, limit) {
      const before = createdBefore.getTime();
      return copy(
        all()
          .filter(
            (order) =>
              order.status === 'PENDING' &&
              order.createdAt.getTime() <= before &&
              order.expiresAt.getTime() > now.getTime() &&
              (!order.lastQueriedAt || order.lastQueriedAt.getTime() <= before),
          )
          .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
          .slice(0, limit),
      );
    },

    async findExpiredPending(now, limit) {
      return copy(
        all()
          .filter((order) => order.status === 'PENDING' && order.expiresAt <= now)
          .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime())
          .slice(0, limit),
      );
    },

    async reserveRefund(order, outRefundNo, amountFen, entry) {
      return update(
        order._id,
        (current) =>
          REFUNDABLE.includes(current.status) &&
          current.refundReservedFen <= order.totalFen - amountFen &&
          !current.refundsReserved.includes(outRefundNo),
        (current) => {
          current.refundReservedFen += amountFen;
          current.refundsReserved.push(outRefundNo);
          pushTimeline(current, entry);
        },
      );
    },

    async settleRefund(orderId, outRefundNo, amountFen, entry) {
      const order = stored(orderId);
      if (!order || order.refundsSettled.includes(outRefundNo)) {
        return { order: found(order), applied: false };
      }
      if (!order.refundsReserved.includes(outRefundNo))
        return { order: copy(order), applied: false };
      if (order.refundsReleased.includes(outRefundNo) || !REFUNDABLE.includes(order.status)) {
        // The real store retries its conditional update, never matches, and gives up like this.
        throw new Error(`settleRefund: order ${orderId.toString()} kept changing; try again`);
      }
      order.refundedFen += amountFen;
      order.status = order.refundedFen >= order.totalFen ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
      order.refundsSettled.push(outRefundNo);
      pushTimeline(order, entry);
      return { order: copy(order), applied: true };
    },

    async releaseRefund(orderId, outRefundNo, amountFen, entry) {
      return update(
        orderId,
        (order) =>
          order.refundsReserved.includes(outRefundNo) &&
          !order.refundsSettled.includes(outRefundNo) &&
          !order.refundsReleased.includes(outRefundNo),
        (order) => {
          order.refundReservedFen -= amountFen;
          order.refundsReleased.push(outRefundNo);
          pushTimeline(order, entry);
        },
      );
    },
  };
}
