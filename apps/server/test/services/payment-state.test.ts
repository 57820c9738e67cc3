import { beforeEach, describe, expect, it } from 'vitest';
import type { OrderRecord } from '../../src/stores/order-store.js';
import { buildOrder } from '../helpers/build-order.js';
import { createServiceRig } from '../helpers/service-rig.js';
import type { ServiceRig } from '../helpers/service-rig.js';

// The order state machine's way out of PENDING (services/payment-state.ts), on in-memory stores.
let rig: ServiceRig;
let order: OrderRecord;

const paidAt = new Date('2026-12-01T04:05:09Z');
const report = (overrides = {}) => ({
  transactionId: '4200000001',
  totalFen: 100,
  paidAt,
  ...overrides,
});
const stored = async () => (await rig.stores.orders.findById(order._id.toHexString()))!;
const anomalyKinds = async () =>
  (await rig.stores.anomalies.list({ outTradeNo: order.outTradeNo }, 10)).map((a) => a.kind);

beforeEach(async () => {
  rig = await createServiceRig();
  order = (await rig.stores.orders.insert(buildOrder({ totalFen: 100 })))!;
});

describe('markPaid', () => {
  it('when WeChat reports the exact amount with a transaction id, then the order is PAID with them, once', async () => {
    const first = await rig.payments.markPaid(order, report(), 'PAY:4200000001', rig.log);
    expect(first.outcome).toBe('APPLIED');
    expect(await stored()).toMatchObject({
      status: 'PAID',
      transactionId: '4200000001',
      paidAt,
      paidBy: 'PAY:4200000001',
    });
    // The same event again still says it decided; another source learns it changed nothing.
    const again = await rig.payments.markPaid(await stored(), report(), 'PAY:4200000001', rig.log);
    expect(again.outcome).toBe('APPLIED');
    const query = await rig.payments.markPaid(
      await stored(),
      report(),
      'QUERY:4200000001',
      rig.log,
    );
    expect(query.outcome).toBe('NO_CHANGE');
    expect((await stored()).timeline.filter((e) => e.kind === 'PAID')).toHaveLength(1);
  });

  it('when two orders report one transaction at once, then one is PAID and the other keeps a TRANSACTION_REUSED anomaly', async () => {
    const other = (await rig.stores.orders.insert(buildOrder({ totalFen: 100 })))!;
    const results = await Promise.all([
      rig.payments.markPaid(order, report(), `PAY:${order.outTradeNo}:4200000001`, rig.log),
      rig.payments.markPaid(other, report(), `PAY:${other.outTradeNo}:4200000001`, rig.log),
    ]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['ANOMALY', 'APPLIED']);
    expect(results.find((r) => r.outcome === 'ANOMALY')?.anomaly).toBe('TRANSACTION_REUSED');
    const statuses = await Promise.all(
      [order, other].map(
        async (o) => (await rig.stores.orders.findById(o._id.toHexString()))?.status,
      ),
    );
    expect(statuses.sort()).toEqual(['PAID', 'PENDING']);
  });

  it("when the report names another appid or currency than the order's, then never PAID: its own anomaly", async () => {
    const appid = await rig.payments.markPaid(
      order,
      report({ appId: 'wxother' }),
      'PAY:a',
      rig.log,
    );
    expect(appid).toMatchObject({ outcome: 'ANOMALY', anomaly: 'APPID_MISMATCH' });
    const usd = await rig.payments.markPaid(order, report({ currency: 'USD' }), 'PAY:c', rig.log);
    expect(usd).toMatchObject({ outcome: 'ANOMALY', anomaly: 'CURRENCY_MISMATCH' });
    expect((await stored()).status).toBe('PENDING');
    const same = await rig.payments.markPaid(
      order,
      report({ appId: order.appId, currency: 'CNY' }),
      'PAY:ok',
      rig.log,
    );
    expect(same.outcome).toBe('APPLIED');
  });

  it('when WeChat names no payment time, then the order is paid as of now', async () => {
    await rig.payments.markPaid(order, report({ paidAt: undefined }), 'PAY:1', rig.log);
    expect((await stored()).paidAt).toEqual(rig.clock.now());
  });

  it('when the amount differs, or WeChat names none, then never PAID: an AMOUNT_MISMATCH anomaly per source', async () => {
    for (const [totalFen, source] of [
      [99, 'PAY:short'],
      [undefined, 'PAY:none'],
    ] as const) {
      const result = await rig.payments.markPaid(order, report({ totalFen }), source, rig.log);
      expect(result.outcome).toBe('ANOMALY');
    }
    expect((await stored()).status).toBe('PENDING');
    expect(await anomalyKinds()).toEqual(['AMOUNT_MISMATCH', 'AMOUNT_MISMATCH']);
  });

  it('when the amount is right but no transaction id is named, then a MISSING_TRANSACTION_ID anomaly', async () => {
    const result = await rig.payments.markPaid(
      order,
      report({ transactionId: undefined }),
      'QUERY:x',
      rig.log,
    );
    expect(result.outcome).toBe('ANOMALY');
    expect((await stored()).status).toBe('PENDING');
    expect(await anomalyKinds()).toEqual(['MISSING_TRANSACTION_ID']);
  });

  it('when a payment is reported for an order already closed, then it stays CLOSED and a PAID_AFTER_CLOSE anomaly is kept', async () => {
    await rig.payments.markClosed(order, 'cancelled by the payer', rig.log);
    const result = await rig.payments.markPaid(await stored(), report(), 'PAY:late', rig.log);
    expect(result.outcome).toBe('ANOMALY');
    expect((await stored()).status).toBe('CLOSED');
    expect(await anomalyKinds()).toEqual(['PAID_AFTER_CLOSE']);
  });
});

describe('markClosed', () => {
  it('when a PENDING order is closed, then CLOSED with the reason; closing again changes nothing', async () => {
    await rig.payments.markClosed(order, 'expired unpaid', rig.log);
    expect(await stored()).toMatchObject({ status: 'CLOSED', closeReason: 'expired unpaid' });
    await rig.payments.markClosed(await stored(), 'cancelled by the payer', rig.log);
    expect((await stored()).closeReason).toBe('expired unpaid');
  });

  it('when a paid order is closed, then it stays PAID', async () => {
    await rig.payments.markPaid(order, report(), 'PAY:1', rig.log);
    await rig.payments.markClosed(order, 'expired unpaid', rig.log);
    expect((await stored()).status).toBe('PAID');
  });
});

describe('repair', () => {
  it('when an exit was claimed but never written to the order, then repair applies it', async () => {
    // What a crash between the claim and the order update leaves behind.
    await rig.stores.claims.claim(
      `order-exit:${order._id.toHexString()}`,
      {
        to: 'PAID',
        source: 'PAY:crashed',
        at: paidAt.toISOString(),
        transactionId: '42',
        paidAt: paidAt.toISOString(),
      },
      rig.clock.now(),
    );
    expect((await stored()).status).toBe('PENDING');
    const repaired = await rig.payments.repair(await stored());
    expect(repaired).toMatchObject({ status: 'PAID', transactionId: '42', paidBy: 'PAY:crashed' });
  });

  it('when nothing was claimed, then repair leaves the order as it is', async () => {
    expect((await rig.payments.repair(order)).status).toBe('PENDING');
  });
});
