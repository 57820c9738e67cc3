import { Types } from 'mongoose';
import type { PaymentEventDoc } from '../../src/stores/payment-event-model.js';
import type { PaymentEventStore } from '../../src/stores/payment-event-store.js';
import { copy } from './copy.js';

/**
 * The payment-event log in memory: one event per `dedupeKey`, a repeat only counts
 * (`receivedCount`, `lastReceivedAt`), and an APPLIED outcome is never downgraded.
 */
export function createInMemoryPaymentEventStore(): PaymentEventStore {
  const events = new Map<string, PaymentEventDoc>();

  return {
    async record(event, now) {
      const existing = events.get(event.dedupeKey);
      if (existing) {
        existing.receivedCount += 1;
        existing.lastReceivedAt = copy(now);
        return copy(existing);
      }
      const created: PaymentEventDoc = {
        _id: new Types.ObjectId(),
        ...copy(event),
        outcome: 'RECEIVED',
        receivedCount: 1,
        firstReceivedAt: copy(now),
        lastReceivedAt: copy(now),
      };
      events.set(event.dedupeKey, created);
      return copy(created);
    },

    async setOutcome(dedupeKey, outcome, now) {
      const event = events.get(dedupeKey);
      if (!event || event.outcome === 'APPLIED') return;
      event.outcome = outcome;
      if (outcome === 'APPLIED') event.appliedAt = copy(now);
    },

    async listForOrder(outTradeNo) {
      return copy(
        [...events.values()]
          .filter((event) => event.outTradeNo === outTradeNo)
          .sort((a, b) => a.firstReceivedAt.getTime() - b.firstReceivedAt.getTime()),
      );
    },
  };
}
