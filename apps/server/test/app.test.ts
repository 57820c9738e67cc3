import { DEMO, callJson, redisUrl, startFenServer } from '@fen/test-support';
import type { FenServer } from '@fen/test-support';
import { signV2, toXml } from '@fen/wxpay';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueSessionToken } from '../src/services/session-token.js';
import { buildOrder } from './helpers/build-order.js';

// API tests that never reach WeChat: auth, validation, ownership, error shape, notifications
// refused before any order changes. WeChat-facing routes are tested with the sandbox in
// test/server/.
let server: FenServer;
let userId: string;
let token: string;

const tokenFor = (id: string, exp = Math.floor(Date.now() / 1000) + 3600) =>
  issueSessionToken({ userId: id, exp }, DEMO.sessionSecret);

beforeAll(async () => {
  server = await startFenServer();
  const user = await server.running.runtime.stores.users.upsertByOpenid(
    'o-app-test',
    undefined,
    new Date(),
  );
  userId = user._id.toHexString();
  token = tokenFor(userId);
}, 30_000);

afterAll(async () => {
  await server?.close();
});

/** JSON over real HTTP (10 s per request). */
const call = (url: string, init?: Parameters<typeof callJson>[1]) => callJson(url, init, 10_000);

const orderCount = () => server.running.runtime.db.models.Order.countDocuments();

describe('health and errors', () => {
  it('when the database is up, then /healthz says so (Redis not configured)', async () => {
    const res = await call(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, database: 'up', redis: 'not-configured' });
  });

  it('when a route does not exist, then the answer is a JSON error carrying the request id', async () => {
    const res = await call(`${server.url}/nope`, { headers: { 'x-request-id': 'req-abc.123' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBe('req-abc.123');
    expect(res.body).toEqual({
      error: { code: 'NOT_FOUND', message: expect.any(String), requestId: 'req-abc.123' },
    });
  });

  it('when the client sends no usable request id, then the server makes one and logs with it', async () => {
    const res = await call(`${server.url}/healthz`, { headers: { 'x-request-id': 'bad id!' } });
    const requestId = res.headers.get('x-request-id') ?? '';
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(server.logs.lines.some((line) => line.includes(`"requestId":"${requestId}"`))).toBe(
      true,
    );
  });
});

describe('sessions', () => {
  it('when /api is called without a token, with a forged one or an expired one, then 401', async () => {
    const forged = tokenFor(userId).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    const expired = tokenFor(userId, Math.floor(Date.now() / 1000) - 1);
    for (const bad of [undefined, forged, expired, 'not-a-token']) {
      const res = await call(`${server.url}/api/products`, bad ? { token: bad } : {});
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
    }
  });

  it('when the login body is malformed, then 400 and nothing is stored', async () => {
    const users = await server.running.runtime.db.models.User.countDocuments();
    for (const body of [{}, { code: '' }, { code: 42 }, { code: 'x', extra: 1 }]) {
      const res = await call(`${server.url}/api/session`, { body });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
    expect(await server.running.runtime.db.models.User.countDocuments()).toBe(users);
  });
});

describe('products', () => {
  it('when listed, then the seeded catalogue comes back with integer prices in fen', async () => {
    const res = await call(`${server.url}/api/products`, { token });
    expect(res.status).toBe(200);
    expect(res.body.products.length).toBeGreaterThanOrEqual(4);
    for (const product of res.body.products)
      expect(Number.isSafeInteger(product.priceFen)).toBe(true);
  });
});

describe('orders: bad input and ownership', () => {
  it('when the order body is invalid, then 4xx with a clear error and no order is stored', async () => {
    const before = await orderCount();
    const bad: unknown[] = [
      {},
      { items: [] },
      { items: [{ productId: 'jasmine-tea', quantity: 0 }] },
      { items: [{ productId: 'jasmine-tea', quantity: 1.5 }] },
      { items: [{ productId: 'jasmine-tea', quantity: '2' }] },
      { items: [{ productId: 'jasmine-tea', quantity: 1, priceFen: 1 }] },
      { items: [{ productId: 'jasmine-tea', quantity: 1 }], channel: 'alipay' },
    ];
    for (const body of bad) {
      const res = await call(`${server.url}/api/orders`, { token, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
    // A known channel this server has no app for (no WX_MOBILE_APPID here) is refused too.
    const unconfigured = await call(`${server.url}/api/orders`, {
      token,
      body: { items: [{ productId: 'jasmine-tea', quantity: 1 }], channel: 'app' },
    });
    expect(unconfigured.status).toBe(400);
    expect(unconfigured.body.error.code).toBe('CHANNEL_UNAVAILABLE');
    const unknown = await call(`${server.url}/api/orders`, {
      token,
      body: { items: [{ productId: 'no-such-thing', quantity: 1 }] },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('PRODUCT_NOT_FOUND');
    const notJson = await fetch(`${server.url}/api/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"items":',
    });
    expect(notJson.status).toBe(400);
    const badKey = await call(`${server.url}/api/orders`, {
      token,
      body: { items: [{ productId: 'jasmine-tea', quantity: 1 }] },
      headers: { 'idempotency-key': 'short' },
    });
    expect(badKey.status).toBe(400);
    expect(await orderCount()).toBe(before);
  });

  it("when a user asks for someone else's order (or a malformed id), then 404", async () => {
    const other = await server.running.runtime.stores.orders.insert(buildOrder());
    if (!other) throw new Error('insert failed');
    const id = other._id.toHexString();
    for (const path of [id, `${id}/pay`, `${id}/cancel`]) {
      const res = await call(`${server.url}/api/orders/${path}`, {
        token,
        method: path === id ? 'GET' : 'POST',
      });
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
    expect((await call(`${server.url}/api/orders/not-an-id`, { token })).status).toBe(404);
    const list = await call(`${server.url}/api/orders`, { token });
    expect(list.body.orders.map((o: { id: string }) => o.id)).not.toContain(id);
  });

  it('when the token names a user that does not exist, then creating an order is refused', async () => {
    const ghost = tokenFor(new Types.ObjectId().toHexString());
    const res = await call(`${server.url}/api/orders`, {
      token: ghost,
      body: { items: [{ productId: 'jasmine-tea', quantity: 1 }] },
    });
    expect(res.status).toBe(401);
  });
});

describe('admin', () => {
  it('when the operator token is missing or unknown (a session token is none), then 401', async () => {
    expect((await call(`${server.url}/admin/orders`)).status).toBe(401);
    expect((await call(`${server.url}/admin/orders`, { token: 'wrong-token' })).status).toBe(401);
    expect((await call(`${server.url}/admin/orders`, { token })).status).toBe(401);
  });

  it('when a refund is invalid or the order is not paid, then 4xx and nothing is stored', async () => {
    const order = await server.running.runtime.stores.orders.insert(buildOrder());
    if (!order) throw new Error('insert failed');
    const url = `${server.url}/admin/orders/${order._id.toHexString()}/refunds`;
    for (const body of [
      {},
      { amountFen: 0 },
      { amountFen: 1.5 },
      { amountFen: -1 },
      { amountFen: '1' },
    ]) {
      const res = await call(url, { token: DEMO.adminToken, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    // Without a key a retry could not be told from a second refund: refused before anything.
    const keyless = await call(url, { token: DEMO.adminToken, body: { amountFen: 1 } });
    expect(keyless.status).toBe(400);
    expect(keyless.body.error.code).toBe('VALIDATION_FAILED');
    const both = await call(url, {
      token: DEMO.adminToken,
      body: { amountFen: 1, outRefundNo: 'RF-app-both' },
      headers: { 'idempotency-key': 'refund-app-both' },
    });
    expect(both.status).toBe(400);
    const pending = await call(url, {
      token: DEMO.adminToken,
      body: { amountFen: 1, outRefundNo: 'RF-app-pending' },
    });
    expect(pending.status).toBe(409);
    expect(pending.body.error.code).toBe('ORDER_NOT_REFUNDABLE');
    expect(await server.running.runtime.db.models.Refund.countDocuments()).toBe(0);
    const missing = await call(
      `${server.url}/admin/orders/${new Types.ObjectId().toHexString()}/refunds`,
      {
        token: DEMO.adminToken,
        body: { amountFen: 1 },
        headers: { 'idempotency-key': 'refund-app-missing' },
      },
    );
    expect(missing.status).toBe(404);
  });

  it('when orders are listed, then each comes with its timeline, refunds and anomalies', async () => {
    const res = await call(`${server.url}/admin/orders?status=PENDING&limit=5`, {
      token: DEMO.adminToken,
    });
    expect(res.status).toBe(200);
    expect(res.body.orders.length).toBeGreaterThan(0);
    expect(res.body.orders[0]).toMatchObject({
      status: 'PENDING',
      timeline: expect.any(Array),
      refunds: [],
    });
    expect(
      (await call(`${server.url}/admin/orders?status=NOPE`, { token: DEMO.adminToken })).status,
    ).toBe(400);
  });
});

describe('payment notifications refused before anything changes', () => {
  async function notify(body: string | Buffer) {
    const res = await fetch(`${server.url}/wxpay/notify`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body,
    });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  }

  it('when the signature is forged, then FAIL in XML and the order stays PENDING', async () => {
    const order = await server.running.runtime.stores.orders.insert(buildOrder());
    if (!order) throw new Error('insert failed');
    const fields = {
      return_code: 'SUCCESS',
      result_code: 'SUCCESS',
      appid: DEMO.appId,
      mch_id: DEMO.mchId,
      nonce_str: 'n0nce',
      out_trade_no: order.outTradeNo,
      transaction_id: '4200000000000000001',
      total_fee: String(order.totalFen),
      time_end: '20251122120000',
    };
    const forged = toXml({ ...fields, sign: signV2(fields, 'x'.repeat(32)) });
    const res = await notify(forged);
    expect(res.type).toMatch(/xml/);
    expect(res.text).toContain('<return_code><![CDATA[FAIL]]></return_code>');
    const stored = await server.running.runtime.stores.orders.findById(order._id.toHexString());
    expect(stored?.status).toBe('PENDING');
    expect(await server.running.runtime.db.models.PaymentEvent.countDocuments()).toBe(0);
    // docs/pitfalls.md #1: the refusal logs how and over which fields it was signed — never the
    // key, nor a value of the body (issue 15: a refused body is anyone's).
    const refused = server.logs.lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === 'payment notification refused')
      .at(-1);
    expect(refused).toMatchObject({
      check: 'NOTIFY_SIGN_INVALID',
      signType: 'unstated',
      fieldNames: [...Object.keys(fields), 'sign'],
    });
    expect(server.logs.text).not.toContain(order.outTradeNo);
  });

  it('when the body is not XML or is larger than 64 KiB, then FAIL in XML', async () => {
    for (const body of ['hello', '', Buffer.alloc(65 * 1024, 'a')]) {
      const res = await notify(body);
      expect(res.status).toBe(200);
      expect(res.text).toContain('FAIL');
    }
  });
});

describe('redis', () => {
  it('when REDIS_URL is configured, then /healthz reports it up', async () => {
    const withRedis = await startFenServer(undefined, { env: { REDIS_URL: redisUrl() } });
    try {
      const res = await call(`${withRedis.url}/healthz`);
      expect(res.body).toEqual({ ok: true, database: 'up', redis: 'up' });
    } finally {
      await withRedis.close();
    }
  });
});

describe('guest sessions', () => {
  it('when one address asks for more guest sessions than the limit, then 429 with Retry-After and no new user', async () => {
    const limited = await startFenServer(undefined, { env: { GUEST_SESSIONS_PER_MINUTE: '2' } });
    try {
      const users = () => limited.running.runtime.db.models.User.countDocuments();
      const guest = () => call(`${limited.url}/api/guest-session`, { method: 'POST' });
      expect((await guest()).status).toBe(201);
      expect((await guest()).status).toBe(201);
      const before = await users();
      const refused = await guest();
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe('RATE_LIMITED');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await users()).toBe(before);
    } finally {
      await limited.close();
    }
  });
});

describe('secrets', () => {
  it('when requests were served, then no key, secret or token appears in the logs', () => {
    const text = server.logs.text;
    for (const secret of [DEMO.key, DEMO.appSecret, DEMO.sessionSecret, DEMO.adminToken, token]) {
      expect(text).not.toContain(secret);
    }
  });
});
