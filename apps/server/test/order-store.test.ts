import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../src/stores/database.js';
import type { Database } from '../src/stores/database.js';
import { createStores } from '../src/stores/index.js';
import type { Stores } from '../src/stores/index.js';
import { buildOrder } from './helpers/build-order.js';
import { dropDatabase, uniqueDatabaseUri } from '@fen/test-support';

const uri = uniqueDatabaseUri();
/** Three connections stand in for three server processes. */
let dbs: Database[] = [];
let stores: Stores;
const entry = () => ({ at: new Date(), kind: 'TEST', detail: 'test' });

beforeAll(async () => {
  dbs = await Promise.all([1, 2, 3].map(() => connectDatabase(uri)));
  stores = createStores(dbs[0] as Database);
}, 20_000);

afterAll(async () => {
  await Promise.all(dbs.map((db) => db.close()));
  await dropDatabase(uri);
});

async function paidOrder(totalFen: number) {
  const order = await stores.orders.insert(buildOrder({ totalFen }));
  if (!order) throw new Error('insert failed');
  const paid = await stores.orders.transition(order._id, ['PENDING'], 'PAID', {}, entry());
  if (!paid) throw new Error('transition failed');
  return paid;
}

describe('order store (against the real database)', () => {
  it('when an order is moved out of PENDING, then a second move from PENDING changes nothing', async () => {
    const order = await stores.orders.insert(buildOrder());
    if (!order) throw new Error('insert failed');
    const first = await stores.orders.transition(
      order._id,
      ['PENDING'],
      'PAID',
      { transactionId: 't1' },
      entry(),
    );
    const second = await stores.orders.transition(order._id, ['PENDING'], 'CLOSED', {}, entry());
    expect(first?.status).toBe('PAID');
    expect(second).toBeNull();
    const stored = await stores.orders.findById(order._id.toHexString());
    expect(stored).toMatchObject({ status: 'PAID', transactionId: 't1' });
    expect(stored?.timeline).toHaveLength(1);
  });

  it('when the same claimed transition is applied twice, then the timeline records it once', async () => {
    const order = await stores.orders.insert(buildOrder());
    if (!order) throw new Error('insert failed');
    const same = entry();
    await stores.orders.transition(order._id, ['PENDING'], 'PAID', {}, same);
    await stores.orders.transition(order._id, ['PENDING', 'PAID'], 'PAID', {}, same);
    const stored = await stores.orders.findById(order._id.toHexString());
    expect(stored?.timeline).toHaveLength(1);
  });

  it('when 20 processes claim the same decision at once, then exactly one wins and all see its change', async () => {
    const key = `order-exit:test-${Date.now()}`;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        createStores(dbs[i % 3] as Database).claims.claim(
          key,
          { to: 'PAID', source: `s${i}` },
          new Date(),
        ),
      ),
    );
    const winners = results.filter((r) => r.won);
    expect(winners).toHaveLength(1);
    for (const result of results) expect(result.change).toEqual(winners[0]?.change);
  });

  it('when a second order reuses an idempotency key or out_trade_no, then it is refused', async () => {
    const first = buildOrder();
    expect(await stores.orders.insert(first)).toBeDefined();
    const { _id: _ignored, ...rest } = first;
    expect(await stores.orders.insert({ ...rest, outTradeNo: 'OTHER1234567' })).toBeUndefined();
    expect(await stores.orders.insert({ ...rest, idempotencyKey: 'other' })).toBeUndefined();
  });

  it('when refunds ask for more than was paid, then only what fits is reserved, once per number', async () => {
    const order = await paidOrder(100);
    expect(await stores.orders.reserveRefund(order, 'r1', 60, entry())).not.toBeNull();
    const after = await stores.orders.findById(order._id.toHexString());
    if (!after) throw new Error('order vanished');
    expect(await stores.orders.reserveRefund(after, 'r1', 30, entry())).toBeNull();
    expect(await stores.orders.reserveRefund(after, 'r2', 60, entry())).toBeNull();
    expect(await stores.orders.reserveRefund(after, 'r3', 40, entry())).not.toBeNull();
    const stored = await stores.orders.findById(order._id.toHexString());
    expect(stored?.refundReservedFen).toBe(100);
    expect(stored?.refundsReserved).toEqual(['r1', 'r3']);
  });

  it('when refunds settle and repeat, then each counts once and the status follows', async () => {
    const order = await paidOrder(100);
    await stores.orders.reserveRefund(order, 'a', 30, entry());
    const afterA = await stores.orders.findById(order._id.toHexString());
    if (!afterA) throw new Error('order vanished');
    await stores.orders.reserveRefund(afterA, 'b', 70, entry());
    const a1 = await stores.orders.settleRefund(order._id, 'a', 30, entry());
    const a2 = await stores.orders.settleRefund(order._id, 'a', 30, entry());
    expect([a1.applied, a2.applied]).toEqual([true, false]);
    expect(a1.order?.status).toBe('PARTIALLY_REFUNDED');
    const b1 = await stores.orders.settleRefund(order._id, 'b', 70, entry());
    expect(b1).toMatchObject({ applied: true, order: { status: 'REFUNDED', refundedFen: 100 } });
  });

  it('when a failed refund is released twice, then its amount comes back once', async () => {
    const order = await paidOrder(100);
    await stores.orders.reserveRefund(order, 'x', 40, entry());
    expect(await stores.orders.releaseRefund(order._id, 'x', 40, entry())).not.toBeNull();
    expect(await stores.orders.releaseRefund(order._id, 'x', 40, entry())).toBeNull();
    const stored = await stores.orders.findById(order._id.toHexString());
    expect(stored).toMatchObject({ refundReservedFen: 0, status: 'PAID' });
  });

  it('when the same notification is recorded 20 times at once, then it is stored as one event', async () => {
    const event = {
      dedupeKey: `PAY:dup-${Date.now()}`,
      kind: 'PAY_NOTIFY' as const,
      outTradeNo: 'X',
      fields: { a: '1' },
    };
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        createStores(dbs[i % 3] as Database).events.record(event, new Date()),
      ),
    );
    const events = await stores.events.listForOrder('X');
    expect(events).toHaveLength(1);
    expect(events[0]?.receivedCount).toBeGreaterThanOrEqual(1);
  });
});
