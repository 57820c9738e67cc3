import { beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import type { OrderRecord } from '../../src/stores/order-store.js';
import { buildOrder } from '../helpers/build-order.js';
import { createServiceRig } from '../helpers/service-rig.js';
import type { ServiceRig } from '../helpers/service-rig.js';

// The server's refund rules (services/refund-service.ts) against a fake WeChat: the amount is
// reserved before WeChat is asked, never more than was paid, every step keyed by out_refund_no.
let rig: ServiceRig;
let order: OrderRecord;

beforeEach(async () => {
  rig = await createServiceRig();
  const placed = (await rig.stores.orders.insert(buildOrder({ totalFen: 1000 })))!;
  // A paid order, as a notification would leave it.
  await rig.payments.markPaid(
    placed,
    { transactionId: '4200000001', totalFen: 1000 },
    'PAY:4200000001',
    rig.log,
  );
  order = (await rig.stores.orders.findById(placed._id.toHexString()))!;
});

const id = () => order._id.toHexString();
const refund = (amountFen: number, outRefundNo: string) =>
  rig.refundService.create(id(), { amountFen, outRefundNo }, rig.log);
const current = async () => (await rig.stores.orders.findById(id()))!;
const stored = async (outRefundNo: string) => rig.stores.refunds.findByOutRefundNo(outRefundNo);
async function refusedWith(work: Promise<unknown>): Promise<string> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  return isAppError(err) ? err.code : `not refused: ${String(err)}`;
}
/** WeChat finishes the refund and the reconciliation job asks about it. */
async function settle(outRefundNo: string, state: 'SUCCESS' | 'REFUNDCLOSE' | 'CHANGE') {
  rig.wechat.settleRefund(outRefundNo, state);
  await rig.refundService.query((await stored(outRefundNo))!, rig.log);
}

describe('amount limits', () => {
  it('when a refund asks for more than was paid, then REFUND_EXCEEDS_PAID and WeChat is not asked', async () => {
    expect(await refusedWith(refund(1001, 'R1'))).toBe('REFUND_EXCEEDS_PAID');
    expect(rig.wechat.calls.filter((c) => c.method === 'refund')).toEqual([]);
  });

  it('when refunds add up past what was paid, then the one that would exceed it is refused', async () => {
    expect((await refund(600, 'R1')).refund.status).toBe('PROCESSING');
    expect((await current()).refundReservedFen).toBe(600);
    expect(await refusedWith(refund(500, 'R2'))).toBe('REFUND_EXCEEDS_PAID');
    expect((await refund(400, 'R3')).refund.status).toBe('PROCESSING');
    expect((await current()).refundReservedFen).toBe(1000);
  });

  it('when the order is not paid, then ORDER_NOT_REFUNDABLE', async () => {
    const pending = (await rig.stores.orders.insert(buildOrder()))!;
    const refused = rig.refundService.create(
      pending._id.toHexString(),
      { amountFen: 100, outRefundNo: 'R1' },
      rig.log,
    );
    expect(await refusedWith(refused)).toBe('ORDER_NOT_REFUNDABLE');
  });

  it('when a refund names neither an Idempotency-Key nor an outRefundNo, then VALIDATION_FAILED', async () => {
    expect(await refusedWith(rig.refundService.create(id(), { amountFen: 100 }, rig.log))).toBe(
      'VALIDATION_FAILED',
    );
  });
});

describe('idempotency', () => {
  it('when the same out_refund_no is asked again, then the same refund answers and nothing is reserved twice', async () => {
    const first = await refund(300, 'R1');
    const again = await refund(300, 'R1');
    expect(again.refund).toEqual(first.refund);
    expect((await current()).refundReservedFen).toBe(300);
    expect(rig.wechat.calls.filter((c) => c.method === 'refund')).toHaveLength(1);
  });

  it('when the same Idempotency-Key is used again, then it names the same refund', async () => {
    const create = () =>
      rig.refundService.create(id(), { amountFen: 300, idempotencyKey: 'key-1' }, rig.log);
    const first = await create();
    expect((await create()).refund.outRefundNo).toBe(first.refund.outRefundNo);
    expect((await current()).refundReservedFen).toBe(300);
  });

  it('when an out_refund_no is reused for another amount, then CONFLICT', async () => {
    await refund(300, 'R1');
    expect(await refusedWith(refund(400, 'R1'))).toBe('CONFLICT');
  });

  it('when WeChat could not be reached, then the refund stays PROCESSING and a retry sends the same out_refund_no', async () => {
    rig.wechat.failNext('refund', 'UNREACHABLE', 'TIMEOUT');
    expect(await refusedWith(refund(300, 'R1'))).toBe('WECHAT_UNAVAILABLE');
    expect(await stored('R1')).toMatchObject({ status: 'PROCESSING' });
    expect((await current()).refundReservedFen).toBe(300);
    const retried = await refund(300, 'R1');
    expect(retried.refund.status).toBe('PROCESSING');
    expect(rig.wechat.calls.filter((c) => c.method === 'refund')).toEqual([
      { method: 'refund', key: 'R1' },
      { method: 'refund', key: 'R1' },
    ]);
    expect((await current()).refundReservedFen).toBe(300);
  });
});

describe('outcomes', () => {
  it('when part and then the rest succeed, then PARTIALLY_REFUNDED and then REFUNDED', async () => {
    await refund(300, 'R1');
    await settle('R1', 'SUCCESS');
    expect(await current()).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedFen: 300 });
    expect(await stored('R1')).toMatchObject({ status: 'SUCCESS' });
    await refund(700, 'R2');
    await settle('R2', 'SUCCESS');
    expect(await current()).toMatchObject({ status: 'REFUNDED', refundedFen: 1000 });
  });

  it('when the same outcome is reported twice, then it is applied once', async () => {
    await refund(300, 'R1');
    rig.wechat.settleRefund('R1', 'SUCCESS');
    const refundDoc = (await stored('R1'))!;
    await rig.refundService.finish(refundDoc, 'SUCCESS', {}, rig.log);
    await rig.refundService.finish(refundDoc, 'SUCCESS', {}, rig.log);
    await rig.refundService.query(refundDoc, rig.log);
    expect(await current()).toMatchObject({ refundedFen: 300, status: 'PARTIALLY_REFUNDED' });
    expect((await current()).timeline.filter((e) => e.kind === 'REFUNDED')).toHaveLength(1);
  });

  it('when WeChat closes a refund, then its amount can be refunded again', async () => {
    await refund(1000, 'R1');
    await settle('R1', 'REFUNDCLOSE');
    expect(await stored('R1')).toMatchObject({ status: 'CLOSED' });
    expect(await current()).toMatchObject({ status: 'PAID', refundReservedFen: 0 });
    expect((await refund(1000, 'R2')).refund.status).toBe('PROCESSING');
  });

  it('when WeChat reports CHANGE (the money did not arrive), then the amount stays reserved and a human is told', async () => {
    await refund(300, 'R1');
    await settle('R1', 'CHANGE');
    expect(await stored('R1')).toMatchObject({ status: 'CHANGE' });
    expect((await current()).refundReservedFen).toBe(300);
    const anomalies = await rig.stores.anomalies.list({ outTradeNo: order.outTradeNo }, 10);
    expect(anomalies.map((a) => a.kind)).toEqual(['UNKNOWN_REFUND']);
  });

  it('when WeChat is still processing, then the query changes nothing', async () => {
    await refund(300, 'R1');
    await rig.refundService.query((await stored('R1'))!, rig.log);
    expect(await stored('R1')).toMatchObject({ status: 'PROCESSING' });
  });

  it('when WeChat has never seen the refund, then it is closed and its amount given back', async () => {
    // The request never reached WeChat: the refund is PROCESSING here only.
    rig.wechat.failNext('refund', 'UNREACHABLE', 'TIMEOUT');
    await refusedWith(refund(300, 'R1'));
    await rig.refundService.query((await stored('R1'))!, rig.log);
    expect(await stored('R1')).toMatchObject({ status: 'CLOSED' });
    expect((await current()).refundReservedFen).toBe(0);
  });

  it('when WeChat refuses the refund outright, then it is CLOSED, its amount released, and WECHAT_REJECTED', async () => {
    rig.wechat.failNext('refund', 'NOT_ENOUGH', 'NOTENOUGH');
    expect(await refusedWith(refund(300, 'R1'))).toBe('WECHAT_REJECTED');
    expect(await stored('R1')).toMatchObject({ status: 'CLOSED' });
    expect((await current()).refundReservedFen).toBe(0);
  });
});
