import { Types } from 'mongoose';
import { expect, it } from 'vitest';
import type { AnomalyFilter, NewAnomaly } from '../../src/stores/anomaly-store.js';
import { describeStoreContract, minutes } from './backends.js';

function amountMismatch(overrides: Partial<NewAnomaly> = {}): NewAnomaly {
  return {
    dedupeKey: 'AMOUNT_MISMATCH:T1',
    kind: 'AMOUNT_MISMATCH',
    outTradeNo: 'FEN1',
    orderId: new Types.ObjectId(),
    detail: 'paid 99 fen, expected 100',
    data: { total_fee: '99' },
    ...overrides,
  };
}

describeStoreContract('anomaly store', (stores) => {
  it('when the same cause is reported again, then one anomaly stands: the first', async () => {
    const first = amountMismatch();
    const stored = await stores.anomalies.record(first, minutes(0));
    expect(stored).toEqual({ ...first, _id: expect.any(Types.ObjectId), createdAt: minutes(0) });
    // Only the first report stores it (and would alert): a repeat says so.
    expect(
      await stores.anomalies.record(amountMismatch({ detail: 'again', data: {} }), minutes(1)),
    ).toBeUndefined();
    expect(await stores.anomalies.list({}, 10)).toEqual([
      { ...first, _id: expect.any(Types.ObjectId) as Types.ObjectId, createdAt: minutes(0) },
    ]);
  });

  it('when anomalies are listed, then they come newest first, filtered and limited', async () => {
    const { orderId: _none, ...unknownOrder } = amountMismatch({
      dedupeKey: 'UNKNOWN_ORDER:FEN2',
      kind: 'UNKNOWN_ORDER',
      outTradeNo: 'FEN2',
    });
    await stores.anomalies.record(amountMismatch(), minutes(0));
    await stores.anomalies.record(unknownOrder, minutes(1));
    await stores.anomalies.record(
      amountMismatch({ dedupeKey: 'PAID_AFTER_CLOSE:FEN1', kind: 'PAID_AFTER_CLOSE' }),
      minutes(2),
    );
    const keys = (list: { dedupeKey: string }[]) => list.map((anomaly) => anomaly.dedupeKey);
    expect(keys(await stores.anomalies.list({}, 10))).toEqual([
      'PAID_AFTER_CLOSE:FEN1',
      'UNKNOWN_ORDER:FEN2',
      'AMOUNT_MISMATCH:T1',
    ]);
    expect(keys(await stores.anomalies.list({}, 1))).toEqual(['PAID_AFTER_CLOSE:FEN1']);
    expect(keys(await stores.anomalies.list({ outTradeNo: 'FEN1' }, 10))).toEqual([
      'PAID_AFTER_CLOSE:FEN1',
      'AMOUNT_MISMATCH:T1',
    ]);
    const [unknown] = await stores.anomalies.list({ outTradeNo: 'FEN2' }, 10);
    expect(unknown).not.toHaveProperty('orderId');
  });

  it('when anomalies are filtered by kind and status, then only those come back', async () => {
    const open = await stores.anomalies.record(amountMismatch(), minutes(0));
    const other = await stores.anomalies.record(
      amountMismatch({ dedupeKey: 'UNKNOWN_ORDER:X', kind: 'UNKNOWN_ORDER' }),
      minutes(1),
    );
    await stores.anomalies.resolve(
      other!._id.toHexString(),
      { by: 'alice', note: 'ok' },
      minutes(2),
    );
    const keys = async (filter: AnomalyFilter) =>
      (await stores.anomalies.list(filter, 10)).map((anomaly) => anomaly.dedupeKey);
    expect(await keys({ status: 'open' })).toEqual([open!.dedupeKey]);
    expect(await keys({ status: 'resolved' })).toEqual(['UNKNOWN_ORDER:X']);
    expect(await keys({ kind: 'UNKNOWN_ORDER' })).toEqual(['UNKNOWN_ORDER:X']);
    expect(await keys({ kind: 'UNKNOWN_ORDER', status: 'open' })).toEqual([]);
  });

  it('when pages are read with `before`, then every anomaly comes once, even those stored at the same instant', async () => {
    for (let i = 0; i < 5; i += 1) {
      // Three share one instant: the id breaks the tie.
      await stores.anomalies.record(amountMismatch({ dedupeKey: `K${i}` }), minutes(i < 3 ? 0 : i));
    }
    const seen: string[] = [];
    let before: AnomalyFilter['before'];
    for (let page = 0; page < 5; page += 1) {
      const found = await stores.anomalies.list(before ? { before } : {}, 2);
      seen.push(...found.map((anomaly) => anomaly.dedupeKey));
      const last = found.at(-1);
      if (found.length < 2 || !last) break;
      before = { createdAt: last.createdAt, id: last._id };
    }
    expect(seen.slice(0, 2)).toEqual(['K4', 'K3']);
    expect([...seen].sort()).toEqual(['K0', 'K1', 'K2', 'K3', 'K4']);
  });

  it('when an anomaly is resolved, then who, how and when are kept, and a second resolution changes nothing', async () => {
    const stored = await stores.anomalies.record(amountMismatch(), minutes(0));
    const id = stored!._id.toHexString();
    const first = await stores.anomalies.resolve(id, { by: 'alice', note: 'refunded' }, minutes(1));
    expect(first).toEqual({
      outcome: 'RESOLVED',
      anomaly: {
        ...stored,
        resolvedAt: minutes(1),
        resolvedBy: 'alice',
        resolution: 'refunded',
      },
    });
    const again = await stores.anomalies.resolve(id, { by: 'bob', note: 'no' }, minutes(2));
    expect(again).toEqual({
      outcome: 'ALREADY_RESOLVED',
      anomaly: first.outcome === 'RESOLVED' && first.anomaly,
    });
    expect(await stores.anomalies.findById(id)).toEqual(
      again.outcome !== 'NOT_FOUND' && again.anomaly,
    );
    for (const unknown of [new Types.ObjectId().toHexString(), 'not-an-id']) {
      expect(
        await stores.anomalies.resolve(unknown, { by: 'alice', note: 'x' }, minutes(3)),
      ).toEqual({ outcome: 'NOT_FOUND' });
      expect(await stores.anomalies.findById(unknown)).toBeNull();
    }
  });
});
