import { Types } from 'mongoose';
import { expect, inject, it } from 'vitest';
import { TransactionIdTaken } from '../../src/stores/order-store.js';
import type { NewOrder, OrderRecord } from '../../src/stores/order-store.js';
import { buildOrder } from '../helpers/build-order.js';
import { describeStoreContract, minutes, timelineEntry as entry } from './backends.js';
import { insertOrder, readOrder } from './orders.js';

describeStoreContract('order store', (stores, backend) => {
  const insert = (overrides: Partial<NewOrder> = {}) => insertOrder(stores, overrides);
  const read = (order: OrderRecord) => readOrder(stores, order);

  it('when an order is inserted, then it gets empty refund bookkeeping and is found by each key', async () => {
    const order = buildOrder({ timeline: [entry('CREATED')] });
    const inserted = await stores.orders.insert(order);
    expect(inserted).toEqual({
      ...order,
      formerOutTradeNos: [],
      refundedFen: 0,
      refundReservedFen: 0,
      refundsReserved: [],
      refundsSettled: [],
      refundsReleased: [],
    });
    const id = inserted?._id.toHexString() ?? '';
    expect(await stores.orders.findById(id)).toEqual(inserted);
    expect(await stores.orders.findByOutTradeNo(order.outTradeNo)).toEqual(inserted);
    expect(await stores.orders.findByIdempotencyKey(order.idempotencyKey)).toEqual(inserted);
  });

  it('when an order is inserted without an _id, then it gets an ObjectId', async () => {
    const { _id: _none, ...order } = buildOrder();
    const inserted = await stores.orders.insert(order);
    expect(inserted?._id).toBeInstanceOf(Types.ObjectId);
    expect(await stores.orders.findByOutTradeNo(order.outTradeNo)).toMatchObject({
      _id: inserted?._id,
    });
  });

  it('when an id is malformed or unknown, then nothing is found', async () => {
    await insert();
    expect(await stores.orders.findById('not-an-id')).toBeNull();
    expect(await stores.orders.findById(new Types.ObjectId().toHexString())).toBeNull();
    expect(await stores.orders.findByOutTradeNo('NOSUCHORDER')).toBeNull();
    expect(await stores.orders.findByIdempotencyKey('no-such-key')).toBeNull();
  });

  it('when a second order reuses an idempotency key or out_trade_no, then it is refused', async () => {
    const first = await insert();
    const { _id: _first, ...rest } = buildOrder({ idempotencyKey: first.idempotencyKey });
    expect(await stores.orders.insert(rest)).toBeUndefined();
    expect(
      await stores.orders.insert({
        ...rest,
        idempotencyKey: 'other',
        outTradeNo: first.outTradeNo,
      }),
    ).toBeUndefined();
    expect(await stores.orders.findByIdempotencyKey(first.idempotencyKey)).toEqual(first);
    expect(await stores.orders.list({}, 10)).toHaveLength(1);
  });

  it('when a caller changes what it passed in or got back, then the stored order stays as it was', async () => {
    const order = buildOrder();
    const inserted = await stores.orders.insert(order);
    if (!inserted) throw new Error('insert refused');
    order.items[0] = { ...order.items[0], quantity: 99 } as NewOrder['items'][number];
    order.unifiedOrderParams.total_fee = '9900';
    inserted.status = 'PAID';
    inserted.timeline.push(entry('MUTATED'));
    (await read(inserted)).refundsReserved.push('r-mutated');
    const stored = await read(inserted);
    expect(stored).toMatchObject({ status: 'PENDING', timeline: [], refundsReserved: [] });
    expect(stored.items[0]?.quantity).toBe(1);
    expect(stored.unifiedOrderParams.total_fee).toBe('100');
  });

  it('when an order is read for a user, then only its owner gets it', async () => {
    const order = await insert();
    const id = order._id.toHexString();
    expect(await stores.orders.findForUser(id, order.userId.toHexString())).toEqual(order);
    expect(await stores.orders.findForUser(id, new Types.ObjectId().toHexString())).toBeNull();
    expect(await stores.orders.findForUser(id, 'not-an-id')).toBeNull();
    expect(await stores.orders.findForUser('not-an-id', order.userId.toHexString())).toBeNull();
  });

  it('when orders are listed, then they come newest first, filtered and limited', async () => {
    const userId = new Types.ObjectId();
    const [oldest, middle, newest] = [
      await insert({ userId, createdAt: minutes(0) }),
      await insert({ userId, createdAt: minutes(1) }),
      await insert({ userId, createdAt: minutes(2) }),
    ];
    const stranger = await insert({ createdAt: minutes(3) });
    await stores.orders.transition(middle._id, ['PENDING'], 'PAID', {}, entry('PAID'));
    const numbers = (orders: OrderRecord[]) => orders.map((order) => order.outTradeNo);
    const user = userId.toHexString();

    expect(numbers(await stores.orders.listForUser(user, 2))).toEqual([
      newest?.outTradeNo,
      middle?.outTradeNo,
    ]);
    expect(await stores.orders.listForUser('not-an-id', 10)).toEqual([]);
    expect(numbers(await stores.orders.list({}, 10))).toEqual(
      numbers([stranger, newest, middle, oldest] as OrderRecord[]),
    );
    expect(numbers(await stores.orders.list({ status: 'PAID' }, 10))).toEqual([middle?.outTradeNo]);
    expect(numbers(await stores.orders.list({ userId: user, status: 'PENDING' }, 10))).toEqual([
      newest?.outTradeNo,
      oldest?.outTradeNo,
    ]);
    expect(numbers(await stores.orders.list({ outTradeNo: stranger.outTradeNo }, 10))).toEqual([
      stranger.outTradeNo,
    ]);
    expect(await stores.orders.list({ userId: 'not-an-id' }, 10)).toEqual([]);
  });

  it('when an order moves out of PENDING, then a second move from PENDING changes nothing', async () => {
    const order = await insert();
    const paidAt = minutes(5);
    const paid = await stores.orders.transition(
      order._id,
      ['PENDING'],
      'PAID',
      { transactionId: 't1', paidAt, paidBy: 'PAY:t1', closeReason: undefined },
      entry('PAID', paidAt),
    );
    expect(paid).toMatchObject({ status: 'PAID', transactionId: 't1', paidAt, paidBy: 'PAY:t1' });
    expect(paid).not.toHaveProperty('closeReason');
    expect(paid?.timeline).toEqual([entry('PAID', paidAt)]);
    expect(
      await stores.orders.transition(order._id, ['PENDING'], 'CLOSED', {}, entry('CLOSED')),
    ).toBeNull();
    expect(await read(order)).toEqual(paid);
    expect(
      await stores.orders.transition(new Types.ObjectId(), ['PENDING'], 'PAID', {}, entry()),
    ).toBeNull();
  });

  it('when a second order is moved to PAID with a transaction id another order holds, then TransactionIdTaken and it stays PENDING', async () => {
    const first = await insert();
    const second = await insert();
    const paid = { transactionId: 't-shared', paidAt: minutes(5), paidBy: 'PAY:t-shared' };
    await stores.orders.transition(first._id, ['PENDING'], 'PAID', paid, entry('PAID'));
    // MongoDB answers E11000 and FerretDB code 1 for the unique index: both are this error.
    await expect(
      stores.orders.transition(second._id, ['PENDING'], 'PAID', paid, entry('PAID')),
    ).rejects.toBeInstanceOf(TransactionIdTaken);
    expect((await read(second)).status).toBe('PENDING');
    expect((await stores.orders.findByTransactionId('t-shared'))?._id).toEqual(first._id);
    expect(await stores.orders.findByTransactionId('t-none')).toBeNull();
  });

  it('when the same transition entry is applied twice, then the timeline records it once', async () => {
    const order = await insert();
    const same = entry('PAID', minutes(1));
    await stores.orders.transition(order._id, ['PENDING'], 'PAID', {}, same);
    await stores.orders.transition(order._id, ['PENDING', 'PAID'], 'PAID', {}, same);
    await stores.orders.transition(order._id, ['PAID'], 'PAID', {}, entry('PAID', minutes(2)));
    expect((await read(order)).timeline).toEqual([same, entry('PAID', minutes(2))]);
  });

  it('when a prepay is recorded, then it is kept only while the order is PENDING', async () => {
    const order = await insert();
    const prepay = {
      prepayId: 'wx-prepay-1',
      prepayExpiresAt: minutes(120),
      codeUrl: 'weixin://1',
    };
    const updated = await stores.orders.setPrepay(order._id, prepay, entry('PREPAY'));
    expect(updated).toMatchObject({ ...prepay, status: 'PENDING' });
    expect(updated?.timeline.map((e) => e.kind)).toEqual(['PREPAY']);
    await stores.orders.transition(order._id, ['PENDING'], 'CLOSED', {}, entry('CLOSED'));
    expect(
      await stores.orders.setPrepay(order._id, { prepayId: 'wx-prepay-2' }, entry('PREPAY')),
    ).toBeNull();
    expect((await read(order)).prepayId).toBe('wx-prepay-1');
  });

  it('when the channel switches, then the old number is kept, the prepay forgotten, and only one switch wins', async () => {
    const order = await insert({ channel: 'miniprogram' });
    await stores.orders.setPrepay(
      order._id,
      {
        prepayId: 'wx1',
        prepayExpiresAt: minutes(120),
        codeUrl: 'weixin://1',
        mwebUrl: 'https://m',
      },
      entry('PREPAY'),
    );
    const attempt = {
      channel: 'native' as const,
      appId: 'wxfe00000000000002',
      outTradeNo: `${order.outTradeNo}N`,
      unifiedOrderParams: { trade_type: 'NATIVE' },
    };
    const switched = await stores.orders.switchAttempt(
      order._id,
      order.outTradeNo,
      attempt,
      entry('SWITCH'),
    );
    expect(switched).toMatchObject({ ...attempt, formerOutTradeNos: [order.outTradeNo] });
    for (const forgotten of ['prepayId', 'prepayExpiresAt', 'codeUrl', 'mwebUrl']) {
      expect(switched).not.toHaveProperty(forgotten);
    }
    expect(switched?.timeline.map((e) => e.kind)).toEqual(['PREPAY', 'SWITCH']);
    expect(await stores.orders.findByOutTradeNo(order.outTradeNo)).toBeNull();
    expect(await stores.orders.findByOutTradeNo(attempt.outTradeNo)).toEqual(switched);

    const late = { ...attempt, channel: 'h5' as const, outTradeNo: `${order.outTradeNo}H` };
    expect(
      await stores.orders.switchAttempt(order._id, order.outTradeNo, late, entry('SWITCH')),
    ).toBeNull();
    await stores.orders.transition(order._id, ['PENDING'], 'PAID', {}, entry('PAID'));
    expect(
      await stores.orders.switchAttempt(order._id, attempt.outTradeNo, late, entry('SWITCH')),
    ).toBeNull();
  });

  it('when a switch takes an out_trade_no another order holds, then the unique index refuses it', async () => {
    const order = await insert();
    const other = await insert();
    const attempt = {
      channel: 'h5' as const,
      appId: 'wxfe00000000000002',
      outTradeNo: other.outTradeNo,
      unifiedOrderParams: {},
    };
    // MongoDB (and the fake) say E11000; FerretDB refuses an update's duplicate with code 1.
    await expect(
      stores.orders.switchAttempt(order._id, order.outTradeNo, attempt, entry('SWITCH')),
    ).rejects.toThrow(/duplicate key|UNIQUE constraint/);
    expect(await read(order)).toEqual(order);
  });

  it('when an order is noted, then the timeline grows and the status stays', async () => {
    const order = await insert();
    await stores.orders.note(order._id, entry('QUERY', minutes(0)), { lastQueriedAt: minutes(0) });
    await stores.orders.note(order._id, entry('FAILED', minutes(1)));
    expect(await read(order)).toMatchObject({
      status: 'PENDING',
      lastQueriedAt: minutes(0),
      timeline: [entry('QUERY', minutes(0)), entry('FAILED', minutes(1))],
    });
    await expect(stores.orders.note(new Types.ObjectId(), entry())).resolves.toBeUndefined();
  });

  // FerretDB v1.24.2 ignores `$slice` in `$push` (probed: the timeline grew to 205), so there
  // the real store's bound does not hold; `it.fails` flags the day it does.
  const sliceIgnored = backend.name === 'mongodb' && inject('mongodbSource') === 'ferretdb';
  (sliceIgnored ? it.fails : it)(
    'when an order sees more than 200 timeline entries, then it keeps the last 200',
    async () => {
      const order = await insert();
      for (let i = 0; i < 205; i += 1) {
        await stores.orders.note(order._id, entry('QUERY', minutes(i)));
      }
      const { timeline } = await read(order);
      expect(timeline).toHaveLength(200);
      expect(timeline[0]).toEqual(entry('QUERY', minutes(5)));
      expect(timeline.at(-1)).toEqual(entry('QUERY', minutes(204)));
    },
    30_000,
  );

  it('when stale and expired PENDING orders are looked for, then exactly those come, oldest first', async () => {
    const pending = (createdAt: number, expiresAt: number, lastQueriedAt?: number) =>
      insert({
        createdAt: minutes(createdAt),
        expiresAt: minutes(expiresAt),
        ...(lastQueriedAt === undefined ? {} : { lastQueriedAt: minutes(lastQueriedAt) }),
      });
    const stale = await pending(0, 30);
    const queriedLongAgo = await pending(3, 30, 7);
    const staleLater = await pending(5, 35);
    await pending(2, 40, 9); // queried since
    await pending(20, 50); // too new
    const expired = await pending(1, 2);
    const expiredNow = await pending(4, 10);
    const paid = await pending(0, 5);
    await stores.orders.transition(paid._id, ['PENDING'], 'PAID', {}, entry('PAID'));

    const numbers = (orders: OrderRecord[]) => orders.map((order) => order.outTradeNo);
    expect(numbers(await stores.orders.findStalePending(minutes(8), minutes(10), 10))).toEqual(
      numbers([stale, queriedLongAgo, staleLater]),
    );
    expect(numbers(await stores.orders.findStalePending(minutes(8), minutes(10), 2))).toEqual(
      numbers([stale, queriedLongAgo]),
    );
    expect(numbers(await stores.orders.findExpiredPending(minutes(10), 10))).toEqual(
      numbers([expired, expiredNow]),
    );
    expect(numbers(await stores.orders.findExpiredPending(minutes(10), 1))).toEqual(
      numbers([expired]),
    );
  });
});
