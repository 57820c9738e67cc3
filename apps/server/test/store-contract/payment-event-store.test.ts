import { Types } from 'mongoose';
import { expect, it } from 'vitest';
import type { IncomingEvent } from '../../src/stores/payment-event-store.js';
import { describeStoreContract, minutes } from './backends.js';

function payNotification(overrides: Partial<IncomingEvent> = {}): IncomingEvent {
  return {
    dedupeKey: 'PAY:T1',
    kind: 'PAY_NOTIFY',
    outTradeNo: 'FEN1',
    orderId: new Types.ObjectId(),
    transactionId: 'T1',
    fields: { out_trade_no: 'FEN1', transaction_id: 'T1' },
    ...overrides,
  };
}

describeStoreContract('payment event store', (stores) => {
  it('when a notification first arrives, then it is stored as RECEIVED once, with an ObjectId', async () => {
    const event = payNotification();
    const stored = await stores.events.record(event, minutes(0));
    expect(stored).toEqual({
      ...event,
      _id: expect.any(Types.ObjectId) as Types.ObjectId,
      outcome: 'RECEIVED',
      receivedCount: 1,
      firstReceivedAt: minutes(0),
      lastReceivedAt: minutes(0),
    });
    expect(await stores.events.listForOrder('FEN1')).toEqual([stored]);
  });

  it('when it is repeated, then the first record counts the repeat and keeps its fields', async () => {
    const first = await stores.events.record(payNotification(), minutes(0));
    const repeat = payNotification({ fields: { out_trade_no: 'FEN1', note: 'again' } });
    await stores.events.record(repeat, minutes(1));
    const third = await stores.events.record(repeat, minutes(2));
    expect(third).toEqual({
      ...first,
      receivedCount: 3,
      lastReceivedAt: minutes(2),
    });
    expect(await stores.events.listForOrder('FEN1')).toEqual([third]);
  });

  it('when 20 copies arrive at once, then they are stored as one event', async () => {
    await Promise.all(
      Array.from({ length: 20 }, () => stores.events.record(payNotification(), minutes(0))),
    );
    const events = await stores.events.listForOrder('FEN1');
    expect(events).toHaveLength(1);
    expect(events[0]?.receivedCount).toBeGreaterThanOrEqual(1);
  });

  it('when outcomes are set, then APPLIED records when and is never downgraded', async () => {
    await stores.events.record(payNotification(), minutes(0));
    await stores.events.setOutcome('PAY:T1', 'NO_CHANGE', minutes(1));
    expect((await stores.events.listForOrder('FEN1'))[0]).toMatchObject({ outcome: 'NO_CHANGE' });
    await stores.events.setOutcome('PAY:T1', 'APPLIED', minutes(2));
    await stores.events.setOutcome('PAY:T1', 'APPLIED', minutes(3));
    await stores.events.setOutcome('PAY:T1', 'ANOMALY', minutes(4));
    await stores.events.setOutcome('PAY:unknown', 'APPLIED', minutes(4));
    const [event] = await stores.events.listForOrder('FEN1');
    expect(event).toMatchObject({ outcome: 'APPLIED', appliedAt: minutes(2) });
  });

  it('when an order has several events, then they are listed in the order they first came', async () => {
    const refund = payNotification({
      dedupeKey: 'REFUND:R1',
      kind: 'REFUND_NOTIFY',
      outRefundNo: 'R1',
      fields: { out_refund_no: 'R1' },
    });
    await stores.events.record(refund, minutes(5));
    await stores.events.record(payNotification(), minutes(1));
    await stores.events.record(
      payNotification({ dedupeKey: 'PAY:T2', outTradeNo: 'FEN2' }),
      minutes(2),
    );
    await stores.events.record(refund, minutes(9));
    const listed = await stores.events.listForOrder('FEN1');
    expect(listed.map((event) => event.dedupeKey)).toEqual(['PAY:T1', 'REFUND:R1']);
    expect(await stores.events.listForOrder('FEN-NONE')).toEqual([]);
  });
});
