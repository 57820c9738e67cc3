import { expect, it } from 'vitest';
import type { FulfilmentDoc } from '../../src/stores/order-model.js';
import type { OrderRecord } from '../../src/stores/order-store.js';
import { describeStoreContract, timelineEntry as entry } from './backends.js';
import { insertOrder, readOrder } from './orders.js';

const shipped = (uploads: number): FulfilmentDoc => ({
  state: 'SHIPPED',
  logisticsType: 'express',
  deliveryMode: 'unified',
  parcels: [
    {
      expressCompany: 'YTO',
      expressCompanyName: '圆通速递',
      trackingNo: `YT${uploads}`,
      itemDesc: '茉莉花茶',
    },
  ],
  uploads,
  lastUploadAt: new Date(1_700_000_000_000 + uploads),
  shippedAt: new Date(1_700_000_000_000 + uploads),
  shippedBy: 'admin',
  events: [],
});

describeStoreContract('order fulfilment', (stores) => {
  async function paidOrder(transactionId: string): Promise<OrderRecord> {
    const order = await insertOrder(stores);
    const paid = await stores.orders.transition(
      order._id,
      ['PENDING'],
      'PAID',
      { transactionId },
      entry('PAID'),
    );
    if (!paid) throw new Error('transition refused');
    return paid;
  }

  it('when shipping is recorded, then only a paid order takes it, and only on top of the upload the caller read', async () => {
    const pending = await insertOrder(stores);
    expect(
      await stores.orders.recordShipment(pending._id, 0, shipped(1), entry('SHIPPED')),
    ).toBeNull();
    expect((await readOrder(stores, pending)).fulfilment).toBeUndefined();

    const order = await paidOrder(`4200${Date.now()}1`);
    const first = await stores.orders.recordShipment(order._id, 0, shipped(1), entry('SHIPPED'));
    expect(first?.fulfilment).toMatchObject({
      state: 'SHIPPED',
      uploads: 1,
      parcels: [{ trackingNo: 'YT1' }],
    });
    // A second writer that also read "no upload yet" loses.
    expect(
      await stores.orders.recordShipment(order._id, 0, shipped(1), entry('SHIPPED')),
    ).toBeNull();
    const second = await stores.orders.recordShipment(order._id, 1, shipped(2), entry('SHIPPED'));
    expect(second?.fulfilment).toMatchObject({ uploads: 2, parcels: [{ trackingNo: 'YT2' }] });
    expect(second?.timeline.map((e) => e.kind)).toEqual(['PAID', 'SHIPPED', 'SHIPPED']);
  });

  it('when a settlement event is applied, then it applies once per key and only from the states named', async () => {
    const transactionId = `4200${Date.now()}2`;
    const order = await paidOrder(transactionId);
    // Not shipped: nothing to advance.
    expect(
      await stores.orders.advanceFulfilment(
        transactionId,
        'k0',
        ['SHIPPED'],
        { state: 'CONFIRMED' },
        entry(),
      ),
    ).toBeNull();
    await stores.orders.recordShipment(order._id, 0, shipped(1), entry('SHIPPED'));
    const confirmedAt = new Date(1_700_000_100_000);
    const confirmed = await stores.orders.advanceFulfilment(
      transactionId,
      'k1',
      ['SHIPPED'],
      { state: 'CONFIRMED', confirmedAt },
      entry('RECEIPT_CONFIRMED'),
    );
    expect(confirmed?.fulfilment).toMatchObject({
      state: 'CONFIRMED',
      confirmedAt,
      events: ['k1'],
    });
    expect(
      await stores.orders.advanceFulfilment(
        transactionId,
        'k1',
        ['SHIPPED', 'CONFIRMED'],
        { state: 'SETTLED' },
        entry(),
      ),
    ).toBeNull();
    const settledAt = new Date(1_700_000_200_000);
    const settled = await stores.orders.advanceFulfilment(
      transactionId,
      'k2',
      ['SHIPPED', 'CONFIRMED'],
      { state: 'SETTLED', settledAt },
      entry('SETTLED'),
    );
    expect(settled?.fulfilment).toMatchObject({
      state: 'SETTLED',
      confirmedAt,
      settledAt,
      parcels: [{ trackingNo: 'YT1' }],
      events: ['k1', 'k2'],
    });
    expect(
      await stores.orders.advanceFulfilment(
        '4200unknown',
        'k3',
        ['SHIPPED'],
        { state: 'CONFIRMED' },
        entry(),
      ),
    ).toBeNull();
    expect((await readOrder(stores, order)).timeline.map((e) => e.kind)).toEqual([
      'PAID',
      'SHIPPED',
      'RECEIPT_CONFIRMED',
      'SETTLED',
    ]);
  });
});
