import { Types } from 'mongoose';
import { expect, it } from 'vitest';
import type { OrderRecord } from '../../src/stores/order-store.js';
import { describeStoreContract, timelineEntry as entry } from './backends.js';
import { insertOrder, readOrder } from './orders.js';

describeStoreContract('order refund bookkeeping', (stores) => {
  const pendingOrder = (totalFen: number) => insertOrder(stores, { totalFen });
  async function paidOrder(totalFen: number): Promise<OrderRecord> {
    const order = await pendingOrder(totalFen);
    const paid = await stores.orders.transition(order._id, ['PENDING'], 'PAID', {}, entry('PAID'));
    if (!paid) throw new Error('transition refused');
    return paid;
  }
  const read = (order: OrderRecord) => readOrder(stores, order);

  it('when refunds ask for more than was paid, then only what fits is reserved, once per number', async () => {
    const order = await paidOrder(100);
    const first = await stores.orders.reserveRefund(order, 'r1', 60, entry('RESERVE'));
    expect(first).toMatchObject({ refundReservedFen: 60, refundsReserved: ['r1'], status: 'PAID' });
    expect(first?.timeline.map((e) => e.kind)).toEqual(['PAID', 'RESERVE']);
    expect(await stores.orders.reserveRefund(order, 'r1', 30, entry())).toBeNull();
    expect(await stores.orders.reserveRefund(order, 'r2', 41, entry())).toBeNull();
    expect(await stores.orders.reserveRefund(order, 'r3', 40, entry())).not.toBeNull();
    expect(await read(order)).toMatchObject({
      refundReservedFen: 100,
      refundsReserved: ['r1', 'r3'],
      refundedFen: 0,
      status: 'PAID',
    });
  });

  it('when an order is not paid, then nothing of it can be reserved', async () => {
    const order = await pendingOrder(100);
    expect(await stores.orders.reserveRefund(order, 'r1', 10, entry())).toBeNull();
    const unknown = { ...order, _id: new Types.ObjectId() };
    expect(await stores.orders.reserveRefund(unknown, 'r1', 10, entry())).toBeNull();
    expect(await read(order)).toMatchObject({ refundReservedFen: 0, refundsReserved: [] });
  });

  it('when refunds settle and repeat, then each counts once and the status follows', async () => {
    const order = await paidOrder(100);
    await stores.orders.reserveRefund(order, 'a', 30, entry());
    await stores.orders.reserveRefund(order, 'b', 70, entry());
    const a1 = await stores.orders.settleRefund(order._id, 'a', 30, entry('REFUNDED'));
    const a2 = await stores.orders.settleRefund(order._id, 'a', 30, entry('REFUNDED'));
    expect(a1).toMatchObject({
      applied: true,
      order: { status: 'PARTIALLY_REFUNDED', refundedFen: 30, refundsSettled: ['a'] },
    });
    expect(a2).toEqual({ applied: false, order: a1.order });
    const b1 = await stores.orders.settleRefund(order._id, 'b', 70, entry('REFUNDED'));
    expect(b1).toMatchObject({
      applied: true,
      order: { status: 'REFUNDED', refundedFen: 100, refundReservedFen: 100 },
    });
    expect(b1.order?.refundsSettled).toEqual(['a', 'b']);
  });

  it('when a refund that was never reserved settles, then nothing is applied', async () => {
    const order = await paidOrder(100);
    expect(await stores.orders.settleRefund(order._id, 'ghost', 50, entry())).toEqual({
      applied: false,
      order,
    });
    expect(await stores.orders.settleRefund(new Types.ObjectId(), 'ghost', 50, entry())).toEqual({
      applied: false,
      order: null,
    });
  });

  it('when a failed refund is released twice, then its amount comes back once', async () => {
    const order = await paidOrder(100);
    await stores.orders.reserveRefund(order, 'x', 40, entry());
    const released = await stores.orders.releaseRefund(order._id, 'x', 40, entry('RELEASED'));
    expect(released).toMatchObject({ refundReservedFen: 0, refundsReleased: ['x'] });
    expect(released?.timeline.at(-1)?.kind).toBe('RELEASED');
    expect(await stores.orders.releaseRefund(order._id, 'x', 40, entry())).toBeNull();
    expect(await read(order)).toMatchObject({ refundReservedFen: 0, status: 'PAID' });
    // The amount can be reserved again under another number.
    expect(await stores.orders.reserveRefund(order, 'y', 100, entry())).not.toBeNull();
  });

  it('when a settled or unreserved refund is released, then nothing comes back', async () => {
    const order = await paidOrder(100);
    await stores.orders.reserveRefund(order, 's', 40, entry());
    await stores.orders.settleRefund(order._id, 's', 40, entry());
    expect(await stores.orders.releaseRefund(order._id, 's', 40, entry())).toBeNull();
    expect(await stores.orders.releaseRefund(order._id, 'never', 40, entry())).toBeNull();
    expect(await read(order)).toMatchObject({
      refundReservedFen: 40,
      refundedFen: 40,
      refundsReleased: [],
      status: 'PARTIALLY_REFUNDED',
    });
  });
});
