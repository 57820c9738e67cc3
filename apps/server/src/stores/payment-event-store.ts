import type { Types } from 'mongoose';
import type { Models } from './database.js';
import type {
  PaymentEventDoc,
  PaymentEventKind,
  PaymentEventOutcome,
} from './payment-event-model.js';
import { isDuplicateKeyError } from './ids.js';
import { upsertWithRetry } from './upsert.js';

export interface IncomingEvent {
  dedupeKey: string;
  kind: PaymentEventKind;
  outTradeNo: string;
  orderId?: Types.ObjectId;
  transactionId?: string;
  outRefundNo?: string;
  fields: Record<string, string>;
}

/** The payment-event log: one document per distinct notification, counting repeats. */
export function createPaymentEventStore(PaymentEvent: Models['PaymentEvent']) {
  return {
    /**
     * Stores the event (or counts a repeat of it) and returns it, durably. The first delivery
     * is a plain insert — the unique `dedupeKey` makes it atomic — and only a repeat takes the
     * counting upsert. Why: FerretDB serializes every read-modify-write (update, findAndModify)
     * per collection, and two of them per notification on this collection halved the
     * notification throughput (bench/README.md); an insert is cheaper on MongoDB too.
     */
    async record(event: IncomingEvent, now: Date): Promise<PaymentEventDoc> {
      try {
        const created = await PaymentEvent.create({
          ...event,
          outcome: 'RECEIVED',
          receivedCount: 1,
          firstReceivedAt: now,
          lastReceivedAt: now,
        });
        return created.toObject();
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
      return upsertWithRetry(async () => {
        const doc = await PaymentEvent.findOneAndUpdate(
          { dedupeKey: event.dedupeKey },
          {
            $setOnInsert: { ...event, outcome: 'RECEIVED', firstReceivedAt: now },
            $set: { lastReceivedAt: now },
            $inc: { receivedCount: 1 },
          },
          { upsert: true, returnDocument: 'after' },
        ).lean<PaymentEventDoc>();
        if (!doc) throw new Error(`payment event ${event.dedupeKey} vanished after upsert`);
        return doc;
      });
    },

    /** Records what handling did; an APPLIED event is never downgraded. */
    async setOutcome(dedupeKey: string, outcome: PaymentEventOutcome, now: Date): Promise<void> {
      await PaymentEvent.updateOne(
        { dedupeKey, outcome: { $ne: 'APPLIED' } },
        { $set: { outcome, ...(outcome === 'APPLIED' ? { appliedAt: now } : {}) } },
      );
    },

    listForOrder(outTradeNo: string): Promise<PaymentEventDoc[]> {
      return PaymentEvent.find({ outTradeNo })
        .sort({ firstReceivedAt: 1 })
        .lean<PaymentEventDoc[]>();
    },
  };
}

export type PaymentEventStore = ReturnType<typeof createPaymentEventStore>;
