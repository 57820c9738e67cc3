import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { control, prepayIdOf } from './helpers/sandbox-control.js';
import { DEMO, call, eventually, startFenServer, startSandbox } from './helpers/stack.js';
import type { Sandbox, ServerUnderTest } from './helpers/stack.js';

// Refunds through the sandbox's mutual-TLS /secapi endpoint and its refund notifications.
let sandbox: Sandbox;
let server: ServerUnderTest;
let wechat: ReturnType<typeof control>;
let token: string;

beforeAll(async () => {
  sandbox = await startSandbox(0.001);
  server = await startFenServer(sandbox);
  wechat = control(sandbox);
  const { code } = await wechat.loginCode('refund-tester');
  token = (await call(`${server.url}/api/session`, { body: { code } })).body.token;
}, 30_000);

afterAll(async () => {
  await server?.close();
  await sandbox?.close();
});

/** An order paid through the sandbox (mooncake box: 12 800 fen). */
async function paidOrder(): Promise<{ id: string; totalFen: number }> {
  const { order, payParams } = (
    await call(`${server.url}/api/orders`, {
      token,
      body: { items: [{ productId: 'mooncake-box', quantity: 1 }] },
    })
  ).body;
  await wechat.pay(prepayIdOf(payParams));
  await eventually(
    async () => {
      const current = await call(`${server.url}/api/orders/${order.id}`, { token });
      return current.body.order.status === 'PAID' ? true : undefined;
    },
    3000,
    'PAID',
  );
  return order;
}

const refund = (orderId: string, body: Record<string, unknown>) =>
  call(`${server.url}/admin/orders/${orderId}/refunds`, { token: DEMO.adminToken, body });

const adminOrder = async (id: string) =>
  (await call(`${server.url}/admin/orders/${id}`, { token: DEMO.adminToken })).body.order;

describe('refunds', () => {
  it('when part is refunded and then the rest, then PARTIALLY_REFUNDED and then REFUNDED', async () => {
    const order = await paidOrder();
    const first = await refund(order.id, { amountFen: 2800, reason: 'one cake was broken' });
    expect(first.status).toBe(201);
    expect(first.body.refund).toMatchObject({ amountFen: 2800, status: 'PROCESSING' });
    const partial = await eventually(
      async () => {
        const current = await adminOrder(order.id);
        return current.status === 'PARTIALLY_REFUNDED' ? current : undefined;
      },
      3000,
      'PARTIALLY_REFUNDED',
    );
    expect(partial.refundedFen).toBe(2800);
    expect(partial.refunds[0].status).toBe('SUCCESS');

    const rest = await refund(order.id, { amountFen: order.totalFen - 2800 });
    expect(rest.status).toBe(201);
    const full = await eventually(
      async () => {
        const current = await adminOrder(order.id);
        return current.status === 'REFUNDED' ? current : undefined;
      },
      3000,
      'REFUNDED',
    );
    expect(full.refundedFen).toBe(order.totalFen);
    expect(full.timeline.map((e: { kind: string }) => e.kind)).toEqual(
      expect.arrayContaining([
        'CREATED',
        'ATTEMPT',
        'PAID',
        'REFUND_REQUESTED',
        'REFUNDED',
        'REFUND_NOTIFY',
      ]),
    );
  });

  it('when a refund would exceed what was paid, then 409 and nothing is stored', async () => {
    const order = await paidOrder();
    const before = await server.running.runtime.db.models.Refund.countDocuments();
    const tooMuch = await refund(order.id, { amountFen: order.totalFen + 1 });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.error.code).toBe('REFUND_EXCEEDS_PAID');
    expect(await server.running.runtime.db.models.Refund.countDocuments()).toBe(before);
  });

  it('when two refunds race for more than was paid, then only one is accepted', async () => {
    const order = await paidOrder();
    const share = Math.floor(order.totalFen * 0.6);
    const results = await Promise.all([
      refund(order.id, { amountFen: share }),
      refund(order.id, { amountFen: share }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
  });

  it('when a refund is retried with the same outRefundNo, then it is refunded once', async () => {
    const order = await paidOrder();
    const body = { amountFen: 1000, outRefundNo: `RFTEST${Date.now()}` };
    const results = await Promise.all([
      refund(order.id, body),
      refund(order.id, body),
      refund(order.id, body),
    ]);
    expect(results.every((r) => r.status === 201)).toBe(true);
    expect(new Set(results.map((r) => r.body.refund.id)).size).toBe(1);
    const done = await eventually(
      async () => {
        const current = await adminOrder(order.id);
        return current.status === 'PARTIALLY_REFUNDED' ? current : undefined;
      },
      3000,
      'refund done',
    );
    expect(done.refundedFen).toBe(1000);
    expect(done.refunds).toHaveLength(1);
    const conflict = await refund(order.id, { ...body, amountFen: 999 });
    expect(conflict.status).toBe(409);
  });

  it('when the refund notification is lost, then the job completes it with refundquery', async () => {
    const order = await paidOrder();
    await wechat.setFaults({ dropNotifications: true });
    try {
      const res = await refund(order.id, { amountFen: 500 });
      expect(res.status).toBe(201);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await adminOrder(order.id)).status).toBe('PAID');
      const report = await server.running.runReconcileOnce();
      expect(report.refundsChecked).toBeGreaterThanOrEqual(1);
      const current = await adminOrder(order.id);
      expect(current).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedFen: 500 });
    } finally {
      await wechat.clearFaults();
    }
  });

  it('when an order is not paid, then it cannot be refunded', async () => {
    const { order } = (
      await call(`${server.url}/api/orders`, {
        token,
        body: { items: [{ productId: 'jasmine-tea', quantity: 1 }] },
      })
    ).body;
    const res = await refund(order.id, { amountFen: 1 });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('ORDER_NOT_REFUNDABLE');
  });
});
