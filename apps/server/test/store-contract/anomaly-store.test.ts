import { Types } from 'mongoose';
import { expect, it } from 'vitest';
import type { NewAnomaly } from '../../src/stores/anomaly-store.js';
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
    await stores.anomalies.record(first, minutes(0));
    await stores.anomalies.record(amountMismatch({ detail: 'again', data: {} }), minutes(1));
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
});
