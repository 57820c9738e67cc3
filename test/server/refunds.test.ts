import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSuccessReply, postNotification, refundNotification } from './helpers/notifications.js';
import { control, prepayIdOf } from './helpers/sandbox-control.js';
import { DEMO, call, eventually, startFenServer, startSandbox } from './helpers/stack.js';
import type { Sandbox, ServerUnderTest } from './helpers/stack.js';
import { faultPaths } from './helpers/pay-version.js';

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
async function paidOrder(): Promise<{ id: string; outTradeNo: string; totalFen: number }> {
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

const newKey = () => `refund-${randomUUID()}`;

/**
 * POST /admin/orders/:id/refunds. Every refund must be named by its caller: with a fresh
 * Idempotency-Key unless the body names its outRefundNo (or a test passes the key to retry).
 */
const refund = (
  orderId: string,
  body: Record<string, unknown>,
  key: string | undefined = body.outRefundNo === undefined ? newKey() : undefined,
) =>
  call(`${server.url}/admin/orders/${orderId}/refunds`, {
    token: DEMO.adminToken,
    body,
    headers: key === undefined ? {} : { 'idempotency-key': key },
  });

/** The refunds WeChat (the sandbox) holds for an order. */
const refundsAtWeChat = (outTradeNo: string) =>
  sandbox.orders().find((o) => o.out_trade_no === outTradeNo)?.refunds ?? [];

const models = () => server.running.runtime.db.models;

const adminOrder = async (id: string) =>
  (await call(`${server.url}/admin/orders/${id}`, { token: DEMO.adminToken })).body.order;

describe('refunds', () => {
  it('when part is refunded and then the rest, then PARTIALLY_REFUNDED and then REFUNDED', async () => {
    const order = await paidOrder();
    const first = await refund(order.id, { amountFen: 2800, reason: 'one cake was broken' });
    expect(first.status).toBe(201);
    expect(first.body.refund).toMatchObject({ amountFen: 2800, status: 'PROCESSING' });
    // The order is settled a moment before the refund document: wait for both.
    const partial = await eventually(
      async () => {
        const current = await adminOrder(order.id);
        return current.status === 'PARTIALLY_REFUNDED' && current.refunds[0]?.status === 'SUCCESS'
          ? current
          : undefined;
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

describe('a refund retried after WeChat failed to answer (issue 4)', () => {
  it('when WeChat took the refund but answered SYSTEMERROR, then the retry with the same key refunds once', async () => {
    const order = await paidOrder();
    const key = newKey();
    // `after: true`: the sandbox accepts the refund and only the reply is the error; the
    // notification is held back so the server cannot learn the outcome any other way yet.
    await wechat.setFaults({
      systemError: { paths: faultPaths.refund, after: true },
      dropNotifications: true,
    });
    try {
      const first = await refund(order.id, { amountFen: 1000 }, key);
      expect(first.status).toBe(503);
      expect(first.body.error.code).toBe('WECHAT_UNAVAILABLE');
      const stuck = await adminOrder(order.id);
      expect(stuck.refunds).toHaveLength(1);
      const [pending] = stuck.refunds;
      expect(pending).toMatchObject({ status: 'PROCESSING', amountFen: 1000 });
      // The answer names the refund that stays reserved, so nobody starts a second one.
      expect(first.body.error.message).toContain(pending.outRefundNo);
      expect(refundsAtWeChat(order.outTradeNo)).toHaveLength(1);

      // A retry without the key is refused before anything is stored or sent.
      const keyless = await call(`${server.url}/admin/orders/${order.id}/refunds`, {
        token: DEMO.adminToken,
        body: { amountFen: 1000 },
      });
      expect(keyless.status).toBe(400);

      await wechat.setFaults({ dropNotifications: true });
      const retry = await refund(order.id, { amountFen: 1000 }, key);
      expect(retry.status).toBe(201);
      expect(retry.body.refund.outRefundNo).toBe(pending.outRefundNo);
      // The operator may also retry by the number the error gave.
      const byNumber = await refund(order.id, {
        amountFen: 1000,
        outRefundNo: pending.outRefundNo,
      });
      expect(byNumber.status).toBe(201);
      expect(byNumber.body.refund.id).toBe(pending.id);
    } finally {
      await wechat.clearFaults();
    }
    const done = await eventually(
      async () => {
        const current = await adminOrder(order.id);
        return current.status === 'PARTIALLY_REFUNDED' ? current : undefined;
      },
      5000,
      'the refund to complete',
    );
    expect(done.refundedFen).toBe(1000);
    expect(done.refunds).toHaveLength(1);
    const atWeChat = refundsAtWeChat(order.outTradeNo);
    expect(atWeChat).toHaveLength(1);
    expect(atWeChat[0]?.refund_fee).toBe(1000);
    expect(await models().Refund.countDocuments({ orderId: order.id })).toBe(1);
  });

  it('when WeChat never got the refund (SYSTEMERROR before it), then the retry sends it once', async () => {
    const order = await paidOrder();
    const key = newKey();
    await wechat.setFaults({ systemError: { paths: faultPaths.refund } });
    try {
      const first = await refund(order.id, { amountFen: 700 }, key);
      expect(first.status).toBe(503);
      expect(refundsAtWeChat(order.outTradeNo)).toHaveLength(0);
      // Still reserved: another refund cannot take the same money meanwhile.
      const rest = await refund(order.id, { amountFen: order.totalFen - 699 });
      expect(rest.status).toBe(409);
    } finally {
      await wechat.clearFaults();
    }
    const retry = await refund(order.id, { amountFen: 700 }, key);
    expect(retry.status).toBe(201);
    const done = await eventually(
      async () => {
        const current = await adminOrder(order.id);
        return current.status === 'PARTIALLY_REFUNDED' ? current : undefined;
      },
      5000,
      'the refund to complete',
    );
    expect(done).toMatchObject({ refundedFen: 700 });
    expect(done.refunds).toHaveLength(1);
    expect(refundsAtWeChat(order.outTradeNo)).toHaveLength(1);
  });
});

describe('refund notifications that must be refused', () => {
  const notifyUrl = () => `${server.url}/wxpay/refund-notify`;

  /** What a refund notification must not touch, to compare before and after. */
  async function snapshot(orderId: string) {
    return {
      order: await models().Order.findById(orderId).lean(),
      refunds: await models().Refund.find({ orderId }).lean(),
      events: await models().PaymentEvent.countDocuments(),
      anomalies: await models().Anomaly.countDocuments(),
    };
  }

  /** A paid order with one refund WeChat accepted, whose notification is held back. */
  async function refundInFlight() {
    const order = await paidOrder();
    await wechat.setFaults({ dropNotifications: true });
    const res = await refund(order.id, { amountFen: 300 });
    expect(res.status).toBe(201);
    const stored = await models().Refund.findOne({ outRefundNo: res.body.refund.outRefundNo });
    expect(stored?.status).toBe('PROCESSING');
    const info = {
      transaction_id: (await adminOrder(order.id)).transactionId,
      out_trade_no: order.outTradeNo,
      refund_id: stored?.refundId ?? '',
      out_refund_no: res.body.refund.outRefundNo as string,
      total_fee: String(order.totalFen),
      settlement_total_fee: String(order.totalFen),
      refund_fee: '300',
      settlement_refund_fee: '300',
      refund_status: 'SUCCESS',
      success_time: '2025-11-22 12:00:00',
      refund_recv_accout: '支付用户的零钱',
      refund_account: 'REFUND_SOURCE_RECHARGE_FUNDS',
      refund_request_source: 'API',
    };
    return { order, info };
  }

  it('when req_info cannot be decrypted or was encrypted with another key, then FAIL and nothing is stored', async () => {
    const { order, info } = await refundInFlight();
    try {
      const before = await snapshot(order.id);
      for (const xml of [
        refundNotification(info, { req_info: 'this is not base64!' }),
        refundNotification(info, { req_info: Buffer.alloc(48, 7).toString('base64') }),
        refundNotification(info, {}, 'forgedkey0123456789abcdefghijklm'),
        refundNotification(info, { req_info: '' }),
      ]) {
        const reply = await postNotification(notifyUrl(), xml);
        expect(reply.status).toBe(200);
        expect(isSuccessReply(reply.text)).toBe(false);
      }
      expect(await snapshot(order.id)).toEqual(before);
    } finally {
      await wechat.clearFaults();
    }
  });

  it('when a genuine req_info comes in an envelope for another appid or mch_id, then FAIL and nothing is stored', async () => {
    const { order, info } = await refundInFlight();
    try {
      const before = await snapshot(order.id);
      const envelopes: Array<Record<string, string>> = [
        { appid: 'wxfe00000000000002' },
        { mch_id: '1900000110' },
      ];
      for (const envelope of envelopes) {
        const reply = await postNotification(notifyUrl(), refundNotification(info, envelope));
        expect(isSuccessReply(reply.text)).toBe(false);
      }
      expect(await snapshot(order.id)).toEqual(before);
    } finally {
      await wechat.clearFaults();
    }
  });

  it('when a genuine notification names a refund we do not have, then FAIL and one anomaly', async () => {
    const { order, info } = await refundInFlight();
    try {
      const before = await snapshot(order.id);
      const ghost = { ...info, out_refund_no: `RFGHOST${Date.now()}`, refund_id: '50300000000001' };
      for (let i = 0; i < 2; i += 1) {
        const reply = await postNotification(notifyUrl(), refundNotification(ghost));
        expect(isSuccessReply(reply.text)).toBe(false);
      }
      const after = await snapshot(order.id);
      expect({ order: after.order, refunds: after.refunds }).toEqual({
        order: before.order,
        refunds: before.refunds,
      });
      const anomalies = await models().Anomaly.find({ 'data.out_refund_no': ghost.out_refund_no });
      expect(anomalies.map((a) => a.kind)).toEqual(['UNKNOWN_REFUND']);
      const events = await models().PaymentEvent.find({ outRefundNo: ghost.out_refund_no }).lean();
      expect(events.map((e) => [e.outcome, e.receivedCount])).toEqual([['ANOMALY', 2]]);
    } finally {
      await wechat.clearFaults();
    }
  });

  it('when a genuine notification reports another refund_fee, then FAIL, an anomaly, and the refund is untouched', async () => {
    const { order, info } = await refundInFlight();
    try {
      const before = await snapshot(order.id);
      const reply = await postNotification(
        notifyUrl(),
        refundNotification({ ...info, refund_fee: '301', settlement_refund_fee: '301' }),
      );
      expect(isSuccessReply(reply.text)).toBe(false);
      const after = await snapshot(order.id);
      expect({ order: after.order, refunds: after.refunds }).toEqual({
        order: before.order,
        refunds: before.refunds,
      });
      const anomalies = await models().Anomaly.find({ orderId: order.id }).lean();
      expect(anomalies).toHaveLength(1);
      expect(anomalies[0]).toMatchObject({ kind: 'UNKNOWN_REFUND' });
      expect(anomalies[0]?.detail).toContain('refund_fee 301 differs from 300');
    } finally {
      await wechat.clearFaults();
    }
    // WeChat's own (correct) notification, retried once the fault is gone, still completes it.
    const done = await eventually(
      async () => {
        const current = await adminOrder(order.id);
        return current.status === 'PARTIALLY_REFUNDED' ? current : undefined;
      },
      5000,
      'the genuine notification to complete the refund',
    );
    expect(done.refundedFen).toBe(300);
  });
});

describe('the admin API', () => {
  it('when orders are filtered by outTradeNo or userId, then only those come back', async () => {
    const mine = await paidOrder();
    const { code } = await wechat.loginCode('refund-filter-other');
    const otherToken = (await call(`${server.url}/api/session`, { body: { code } })).body.token;
    const theirs = (
      await call(`${server.url}/api/orders`, {
        token: otherToken,
        body: { items: [{ productId: 'jasmine-tea', quantity: 1 }] },
      })
    ).body.order;
    const list = async (query: string) => {
      const res = await call(`${server.url}/admin/orders?${query}`, { token: DEMO.adminToken });
      expect(res.status).toBe(200);
      return res.body.orders as Array<{ id: string; userId: string; outTradeNo: string }>;
    };

    const byNumber = await list(`outTradeNo=${mine.outTradeNo}`);
    expect(byNumber.map((o) => o.id)).toEqual([mine.id]);
    const theirUserId = (await list(`outTradeNo=${theirs.outTradeNo}`))[0]?.userId ?? '';
    const myUserId = byNumber[0]?.userId ?? '';
    expect(theirUserId).not.toBe(myUserId);

    const mineByUser = await list(`userId=${myUserId}&limit=200`);
    expect(mineByUser.map((o) => o.id)).toContain(mine.id);
    expect(mineByUser.every((o) => o.userId === myUserId)).toBe(true);
    expect((await list(`userId=${theirUserId}`)).map((o) => o.id)).toEqual([theirs.id]);
    expect(await list(`userId=${theirUserId}&status=PAID`)).toEqual([]);
    expect(await list(`userId=${theirUserId}&outTradeNo=${mine.outTradeNo}`)).toEqual([]);
    expect(await list('userId=not-an-object-id')).toEqual([]);
    expect(await list('outTradeNo=FEN00000000000000000000nothing')).toEqual([]);
  });

  it('when the refunds route is called without an operator token, then 401 and nothing moves', async () => {
    const order = await paidOrder();
    const url = `${server.url}/admin/orders/${order.id}/refunds`;
    const body = { amountFen: 100, outRefundNo: `RFAUTH${Date.now()}` };
    const before = await models().Order.findById(order.id).lean();
    expect((await call(url, { body })).status).toBe(401);
    expect((await call(url, { body, token: 'not-the-admin-token-0123' })).status).toBe(401);
    // The payer's own session token is no operator token either.
    const payer = await call(url, { body, token });
    expect(payer.status).toBe(401);
    expect(payer.body.error.code).toBe('UNAUTHORIZED');
    expect(await models().Refund.countDocuments({ outRefundNo: body.outRefundNo })).toBe(0);
    expect(await models().Order.findById(order.id).lean()).toEqual(before);
    expect(refundsAtWeChat(order.outTradeNo)).toHaveLength(0);
  });
});
