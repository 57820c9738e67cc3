import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { control, prepayIdOf } from './helpers/sandbox-control.js';
import { DEMO, call, eventually, startFenServer, startSandbox } from './helpers/stack.js';
import type { Sandbox, ServerUnderTest } from './helpers/stack.js';
import { faultPaths, payParamsSigned } from './helpers/pay-version.js';

// The whole flow against the real sandbox and the real database: login code → session → order →
// the payer pays in the sandbox → notification → PAID.
let sandbox: Sandbox;
let server: ServerUnderTest;
let wechat: ReturnType<typeof control>;

beforeAll(async () => {
  sandbox = await startSandbox(0.001);
  server = await startFenServer(sandbox);
  wechat = control(sandbox);
}, 30_000);

afterAll(async () => {
  await server?.close();
  await sandbox?.close();
});

async function login(user: string): Promise<string> {
  const { code } = await wechat.loginCode(user);
  const res = await call(`${server.url}/api/session`, { body: { code } });
  expect(res.status).toBe(200);
  return res.body.token as string;
}

async function createOrder(token: string, quantity = 1, headers: Record<string, string> = {}) {
  return call(`${server.url}/api/orders`, {
    token,
    body: { items: [{ productId: 'jasmine-tea', quantity }] },
    headers,
  });
}

const orderOf = async (token: string, id: string, sync = false) =>
  (await call(`${server.url}/api/orders/${id}${sync ? '?sync=1' : ''}`, { token })).body.order;

describe('the payment flow', () => {
  it('when a payer logs in, orders and pays in the sandbox, then the order is PAID within 2 s', async () => {
    const started = performance.now();
    const { code, openid } = await wechat.loginCode('alice');
    const session = await call(`${server.url}/api/session`, { body: { code } });
    expect(session.status).toBe(200);
    expect(session.body.user.openid).toBe(openid);
    expect(JSON.stringify(session.body)).not.toMatch(/session_key/i);
    const token = session.body.token as string;

    const products = await call(`${server.url}/api/products`, { token });
    const tea = products.body.products.find((p: { id: string }) => p.id === 'jasmine-tea');
    const created = await createOrder(token, 2);
    expect(created.status).toBe(201);
    const { order, payParams } = created.body;
    expect(order).toMatchObject({ status: 'PENDING', totalFen: tea.priceFen * 2, refundedFen: 0 });
    expect(order.outTradeNo).toMatch(/^[0-9A-Za-z_\-|*]{1,32}$/);
    expect(Object.keys(payParams).sort()).toEqual([
      'nonceStr',
      'package',
      'paySign',
      'signType',
      'timeStamp',
    ]);
    expect(payParamsSigned(payParams, DEMO.appId)).toBe(true);

    await wechat.pay(prepayIdOf(payParams));
    const paid = await eventually(
      async () => {
        const current = await orderOf(token, order.id);
        return current.status === 'PAID' ? current : undefined;
      },
      2000,
      'PAID',
    );
    expect(paid.transactionId).toMatch(/\S+/);
    expect(paid.paidAt).toBeDefined();
    expect(performance.now() - started).toBeLessThan(2000);

    // The order turns PAID a moment before the event's outcome is written (both before WeChat
    // is answered): wait for the acknowledged delivery, then look.
    await eventually(
      async () =>
        (await wechat.notifications(order.outTradeNo))[0]?.attempts.some(
          (a) => a.result === 'SUCCESS',
        ) || undefined,
      2000,
      'the notification acknowledged',
    );
    const events = await server.running.runtime.db.models.PaymentEvent.find({
      outTradeNo: order.outTradeNo,
    }).lean();
    expect(events.filter((e) => e.outcome === 'APPLIED')).toHaveLength(1);
  });

  it('when a login code is used twice, then the second login is refused', async () => {
    const { code } = await wechat.loginCode('bob');
    expect((await call(`${server.url}/api/session`, { body: { code } })).status).toBe(200);
    const again = await call(`${server.url}/api/session`, { body: { code } });
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('LOGIN_CODE_INVALID');
  });

  it('when the same user logs in twice, then it is the same user', async () => {
    const a = await call(`${server.url}/api/session`, {
      body: { code: (await wechat.loginCode('carol')).code },
    });
    const b = await call(`${server.url}/api/session`, {
      body: { code: (await wechat.loginCode('carol')).code },
    });
    expect(a.body.user.id).toBe(b.body.user.id);
  });

  it('when the payer asks to pay again, then the stored prepay_id is reused', async () => {
    const token = await login('dave');
    const created = (await createOrder(token)).body;
    const again = await call(`${server.url}/api/orders/${created.order.id}/pay`, {
      token,
      method: 'POST',
    });
    expect(again.status).toBe(200);
    expect(again.body.payParams.package).toBe(created.payParams.package);
    await wechat.pay(prepayIdOf(again.body.payParams));
    await eventually(async () =>
      (await orderOf(token, created.order.id)).status === 'PAID' ? true : undefined,
    );
    const paidAgain = await call(`${server.url}/api/orders/${created.order.id}/pay`, {
      token,
      method: 'POST',
    });
    expect(paidAgain.status).toBe(409);
    expect(paidAgain.body.error.code).toBe('ORDER_NOT_PAYABLE');
  });

  it('when the client double-taps with one Idempotency-Key, then one order comes back', async () => {
    const token = await login('erin');
    const headers = { 'idempotency-key': 'tap-0123456789' };
    const results = await Promise.all([
      createOrder(token, 1, headers),
      createOrder(token, 1, headers),
    ]);
    expect(results.map((r) => r.status)).toEqual([201, 201]);
    expect(results[0]?.body.order.id).toBe(results[1]?.body.order.id);
    const later = await createOrder(token, 1, headers);
    expect(later.body.order.id).toBe(results[0]?.body.order.id);
    const conflict = await createOrder(token, 3, headers);
    expect(conflict.status).toBe(409);
    const mine = await call(`${server.url}/api/orders`, { token });
    expect(mine.body.orders).toHaveLength(1);
  });

  it('when the payer cancels in WeChat, then the order stays PENDING; cancelling it closes it', async () => {
    const token = await login('frank');
    const created = (await createOrder(token)).body;
    await wechat.pay(prepayIdOf(created.payParams), 'cancel');
    expect((await orderOf(token, created.order.id, true)).status).toBe('PENDING');
    const cancelled = await call(`${server.url}/api/orders/${created.order.id}/cancel`, {
      token,
      method: 'POST',
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.order.status).toBe('CLOSED');
    const again = await call(`${server.url}/api/orders/${created.order.id}/cancel`, {
      token,
      method: 'POST',
    });
    expect(again.body.order.status).toBe('CLOSED');
    const pay = await call(`${server.url}/api/orders/${created.order.id}/pay`, {
      token,
      method: 'POST',
    });
    expect(pay.status).toBe(409);
  });

  it('when users list orders, then each sees only their own', async () => {
    const grace = await login('grace');
    const heidi = await login('heidi');
    const gracesOrder = (await createOrder(grace)).body.order;
    const heidis = await call(`${server.url}/api/orders`, { token: heidi });
    expect(heidis.body.orders.map((o: { id: string }) => o.id)).not.toContain(gracesOrder.id);
    expect(
      (await call(`${server.url}/api/orders/${gracesOrder.id}`, { token: heidi })).status,
    ).toBe(404);
  });

  it('when the flow ran, then no key, secret or session token was ever logged', () => {
    const text = server.logs.text;
    for (const secret of [DEMO.key, DEMO.appSecret, DEMO.sessionSecret, DEMO.adminToken]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/session_key/);
  });
});

describe('paying again and cancelling when WeChat knows more than the server', () => {
  const atWeChat = (outTradeNo: string) =>
    sandbox.orders().filter((o) => o.out_trade_no === outTradeNo);

  it('when the first unifiedorder failed (answered or not), then /pay re-enters the same out_trade_no: one order at WeChat', async () => {
    for (const after of [true, false]) {
      const token = await login(`ivan-${after}`);
      // after: true — WeChat created the order and only its reply was lost: the re-entry must
      // be byte-for-byte the same request, or WeChat answers "201 商户订单号重复".
      await wechat.setFaults({ systemError: { paths: faultPaths.unifiedOrder, after } });
      let failed;
      try {
        failed = await createOrder(token);
      } finally {
        await wechat.clearFaults();
      }
      expect(failed.status).toBe(503);
      expect(failed.body.error.code).toBe('WECHAT_UNAVAILABLE');
      const [order] = (await call(`${server.url}/api/orders`, { token })).body.orders;
      expect(order).toMatchObject({ status: 'PENDING' });
      expect(atWeChat(order.outTradeNo)).toHaveLength(after ? 1 : 0);

      const again = await call(`${server.url}/api/orders/${order.id}/pay`, {
        token,
        method: 'POST',
      });
      expect(again.status).toBe(200);
      expect(again.body.order.outTradeNo).toBe(order.outTradeNo);
      const orders = atWeChat(order.outTradeNo);
      expect(orders).toHaveLength(1);
      expect(prepayIdOf(again.body.payParams)).toBe(orders[0]?.prepay_id);

      const stored = await server.running.runtime.db.models.Order.findById(order.id).lean();
      const kinds = stored?.timeline.map((e) => e.kind);
      expect(kinds?.filter((k) => k === 'ATTEMPT_FAILED')).toHaveLength(1);
      expect(kinds?.filter((k) => k === 'ATTEMPT')).toHaveLength(1);
      expect(JSON.stringify(stored?.timeline)).not.toContain('商户订单号重复');
      expect(server.logs.text).not.toContain('商户订单号重复');

      // And the prepay_id it handed out is one the payer can really pay.
      await wechat.pay(prepayIdOf(again.body.payParams));
      await eventually(async () =>
        (await orderOf(token, order.id)).status === 'PAID' ? true : undefined,
      );
    }
  });

  it('when the payer cancels an order that WeChat says is paid (notification lost), then 200 and PAID', async () => {
    const token = await login('judy');
    const created = (await createOrder(token)).body;
    await wechat.setFaults({ dropNotifications: true });
    try {
      await wechat.pay(prepayIdOf(created.payParams));
      expect((await orderOf(token, created.order.id)).status).toBe('PENDING');
      const cancelled = await call(`${server.url}/api/orders/${created.order.id}/cancel`, {
        token,
        method: 'POST',
      });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.order.status).toBe('PAID');
      expect(cancelled.body.order.transactionId).toBe(
        atWeChat(created.order.outTradeNo)[0]?.transaction_id,
      );
    } finally {
      await wechat.clearFaults();
    }
    const stored = await server.running.runtime.db.models.Order.findById(created.order.id).lean();
    expect(stored?.status).toBe('PAID');
    expect(stored?.closedAt).toBeUndefined();
    const kinds = stored?.timeline.map((e) => e.kind) ?? [];
    expect(kinds).toContain('CLOSE_REFUSED');
    expect(kinds.filter((k) => k === 'PAID')).toHaveLength(1);
    expect(kinds).not.toContain('CLOSED');
    expect(atWeChat(created.order.outTradeNo)[0]?.trade_state).toBe('SUCCESS');
  });
});
