import { Types } from 'mongoose';
import { expect, it } from 'vitest';
import type { NewRefund } from '../../src/stores/refund-store.js';
import { describeStoreContract, minutes } from './backends.js';

function newRefund(overrides: Partial<NewRefund> = {}): NewRefund {
  return {
    outRefundNo: 'R1',
    orderId: new Types.ObjectId(),
    outTradeNo: 'FEN1',
    amountFen: 40,
    reason: '不想要了',
    status: 'PROCESSING',
    createdAt: minutes(0),
    ...overrides,
  };
}

describeStoreContract('refund store', (stores) => {
  it('when a refund number is inserted twice, then the second is refused and the first stays', async () => {
    const refund = newRefund();
    const inserted = await stores.refunds.insert(refund);
    expect(inserted).toEqual({ ...refund, _id: expect.any(Types.ObjectId) as Types.ObjectId });
    expect(await stores.refunds.insert(newRefund({ amountFen: 99 }))).toBeUndefined();
    expect(await stores.refunds.findByOutRefundNo('R1')).toEqual(inserted);
    expect(await stores.refunds.findByOutRefundNo('R-none')).toBeNull();
  });

  it('when a refund completes, then it leaves PROCESSING once', async () => {
    await stores.refunds.insert(newRefund());
    const done = await stores.refunds.complete('R1', 'SUCCESS', {
      refundId: 'WX-R1',
      completedAt: minutes(5),
      lastError: undefined,
    });
    expect(done).toMatchObject({ status: 'SUCCESS', refundId: 'WX-R1', completedAt: minutes(5) });
    expect(done).not.toHaveProperty('lastError');
    expect(await stores.refunds.complete('R1', 'CLOSED', { lastError: 'late' })).toBeNull();
    expect(await stores.refunds.complete('R-none', 'CLOSED', {})).toBeNull();
    expect(await stores.refunds.findByOutRefundNo('R1')).toEqual(done);
  });

  it('when WeChat accepts a refund, then the time and refund id are kept and the last error goes', async () => {
    await stores.refunds.insert(newRefund({ lastError: 'SYSTEMERROR' }));
    await stores.refunds.insert(newRefund({ outRefundNo: 'R2' }));
    await stores.refunds.markAccepted('R1', 'WX-R1', minutes(1));
    await stores.refunds.markAccepted('R2', undefined, minutes(2));
    await stores.refunds.markAccepted('R-none', 'WX-none', minutes(2));
    const accepted = await stores.refunds.findByOutRefundNo('R1');
    expect(accepted).toMatchObject({
      acceptedAt: minutes(1),
      refundId: 'WX-R1',
      status: 'PROCESSING',
    });
    expect(accepted).not.toHaveProperty('lastError');
    expect(await stores.refunds.findByOutRefundNo('R2')).not.toHaveProperty('refundId');
  });

  it('when a refund is noted, then only the noted fields change', async () => {
    const refund = await stores.refunds.insert(newRefund());
    await stores.refunds.note('R1', { lastError: 'NOTENOUGH', lastQueriedAt: minutes(3) });
    expect(await stores.refunds.findByOutRefundNo('R1')).toEqual({
      ...refund,
      lastError: 'NOTENOUGH',
      lastQueriedAt: minutes(3),
    });
  });

  it('when refunds are listed for orders, then those orders’ refunds come oldest first', async () => {
    const [a, b] = [new Types.ObjectId(), new Types.ObjectId()];
    await stores.refunds.insert(
      newRefund({ outRefundNo: 'A2', orderId: a, createdAt: minutes(2) }),
    );
    await stores.refunds.insert(
      newRefund({ outRefundNo: 'B1', orderId: b, createdAt: minutes(1) }),
    );
    await stores.refunds.insert(
      newRefund({ outRefundNo: 'A0', orderId: a, createdAt: minutes(0) }),
    );
    await stores.refunds.insert(newRefund({ outRefundNo: 'C3', createdAt: minutes(3) }));
    const numbers = async (ids: Types.ObjectId[]) =>
      (await stores.refunds.listForOrders(ids)).map((refund) => refund.outRefundNo);
    expect(await numbers([a])).toEqual(['A0', 'A2']);
    expect(await numbers([new Types.ObjectId(b.toHexString()), a])).toEqual(['A0', 'B1', 'A2']);
    expect(await numbers([])).toEqual([]);
  });

  it('when stuck refunds are looked for, then only old, unqueried PROCESSING ones come, oldest first', async () => {
    const insert = (outRefundNo: string, createdAt: number, lastQueriedAt?: number) =>
      stores.refunds.insert(
        newRefund({
          outRefundNo,
          createdAt: minutes(createdAt),
          ...(lastQueriedAt === undefined ? {} : { lastQueriedAt: minutes(lastQueriedAt) }),
        }),
      );
    await insert('queried-long-ago', 3, 4);
    await insert('never-queried', 1);
    await insert('queried-since', 2, 9);
    await insert('too-new', 20);
    await insert('done', 0);
    await stores.refunds.complete('done', 'SUCCESS', {});
    const numbers = async (limit: number) =>
      (await stores.refunds.findStuckProcessing(minutes(5), limit)).map((r) => r.outRefundNo);
    expect(await numbers(10)).toEqual(['never-queried', 'queried-long-ago']);
    expect(await numbers(1)).toEqual(['never-queried']);
  });
});
