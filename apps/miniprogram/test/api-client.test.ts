import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { app, testConfig, useRuntime } from './support/app.js';
import { startFakeShop } from './support/fake-shop.js';
import type { FakeShop } from './support/fake-shop.js';
import { installWx } from './support/wx-bridge.js';
import type { WxBridge } from './support/wx-bridge.js';

// The API client and session over real HTTP (wx.request bridged to node:http) against a local
// stand-in server on port 0 that answers like the Fen server (401s included).
let shop: FakeShop;
let wx: WxBridge;
const { SESSION_STORAGE_KEY } = app.session();
const { isClientError } = app.errors();

beforeAll(async () => {
  shop = await startFakeShop();
});
afterAll(async () => {
  await shop.close();
});
beforeEach(() => {
  wx = installWx();
});
afterEach(() => {
  wx.uninstall();
  app.runtime().setRuntime(undefined);
});

const runtimeFor = () => useRuntime(testConfig({ apiBaseUrl: shop.url, sandboxUrl: shop.url }));
const apiCalls = (path: string) => shop.log.filter((entry) => entry.path === path);

describe('the session', () => {
  it('when the app starts without a session, then it logs in once with a sandbox code and stores the token', async () => {
    const { session } = runtimeFor();
    const before = shop.loginCodesIssued;
    const [a, b] = await Promise.all([session.token(), session.token()]);
    expect(a).toBe(b);
    expect(shop.loginCodesIssued).toBe(before + 1);
    expect(wx.storage.get(SESSION_STORAGE_KEY)).toMatchObject({
      token: a,
      user: { id: 'devtools-buyer' },
    });
    // The stored token is used as it is while valid.
    expect(await session.token()).toBe(a);
    expect(shop.loginCodesIssued).toBe(before + 1);
  });

  it('when the stored token is about to expire, then the next call logs in again first', async () => {
    const { session } = runtimeFor();
    const first = await session.token();
    wx.storage.set(SESSION_STORAGE_KEY, {
      ...(wx.storage.get(SESSION_STORAGE_KEY) as object),
      expiresAt: new Date(Date.now() + 30_000).toISOString(),
    });
    const second = await session.token();
    expect(second).not.toBe(first);
  });

  it('when the sandbox cannot be reached, then login fails with LOGIN_FAILED and a reason', async () => {
    const { session } = useRuntime(
      testConfig({ apiBaseUrl: shop.url, sandboxUrl: 'http://127.0.0.1:9' }),
    );
    const error = await session.token().catch((e: unknown) => e);
    expect(isClientError(error, 'LOGIN_FAILED')).toBe(true);
    expect((error as Error).message).toMatch(/Could not log in/);
  });

  it('when in wechat mode, then the code comes from wx.login', async () => {
    const sandboxCode = await fetch(`${shop.url}/__sandbox/login-code`, {
      method: 'POST',
      body: JSON.stringify({ appid: 'wxfe00000000000001', user: 'real-wechat-user' }),
    }).then((r) => r.json() as Promise<{ code: string }>);
    wx.login = async () => sandboxCode.code;
    const { session } = useRuntime(
      testConfig({ apiBaseUrl: shop.url, sandboxUrl: 'http://127.0.0.1:9' }, { mode: 'wechat' }),
    );
    await session.token();
    expect(session.user()?.id).toBe('real-wechat-user');
  });
});

describe('the API client', () => {
  it('when the token has expired on the server (401), then it logs in again once and the call succeeds', async () => {
    const { api, session } = runtimeFor();
    const old = await session.token();
    shop.expireTokens();
    const before = apiCalls('/api/products').length;
    const products = await api.listProducts();
    expect(products.map((p) => p.id)).toContain('jasmine-tea');
    const calls = apiCalls('/api/products').slice(before);
    expect(calls.map((c) => c.headers.authorization)).toEqual([
      `Bearer ${old}`,
      `Bearer ${await session.token()}`,
    ]);
    expect(await session.token()).not.toBe(old);
  });

  it('when the server still answers 401 after logging in again, then it gives up with UNAUTHORIZED (no loop)', async () => {
    const { api } = runtimeFor();
    await api.listProducts();
    shop.failNext('/api/products', 401, 'UNAUTHORIZED', 2);
    const before = apiCalls('/api/products').length;
    const error = await api.listProducts().catch((e: unknown) => e);
    expect(isClientError(error, 'UNAUTHORIZED')).toBe(true);
    expect(apiCalls('/api/products').length - before).toBe(2);
  });

  it('when several calls hit 401 at once, then one login serves them all', async () => {
    const { api, session } = runtimeFor();
    await session.token();
    shop.expireTokens();
    const before = shop.loginCodesIssued;
    const results = await Promise.all([api.listProducts(), api.listOrders(), api.listProducts()]);
    expect(results).toHaveLength(3);
    expect(shop.loginCodesIssued).toBe(before + 1);
  });

  it("when the server answers an API error, then the client throws it with the server's code, message and request id", async () => {
    const { api } = runtimeFor();
    shop.failNext('/api/orders/nope', 404, 'NOT_FOUND');
    const error = await api.getOrder('nope').catch((e: unknown) => e);
    expect(isClientError(error, 'NOT_FOUND')).toBe(true);
    expect(error).toMatchObject({ status: 404, message: 'injected NOT_FOUND' });
    expect((error as { requestId?: string }).requestId).toMatch(/^req-/);
  });

  it('when the server cannot be reached, then the client throws NETWORK_ERROR', async () => {
    const { api } = useRuntime(
      testConfig({ apiBaseUrl: 'http://127.0.0.1:9', sandboxUrl: shop.url }),
    );
    const error = await api.listProducts().catch((e: unknown) => e);
    expect(isClientError(error, 'NETWORK_ERROR')).toBe(true);
  });

  it('when an order is created twice with one Idempotency-Key, then the header is sent and the same order comes back', async () => {
    const { api } = runtimeFor();
    const items = [{ productId: 'jasmine-tea', quantity: 2 }];
    const first = await api.createOrder(items, 'key-order-123');
    const second = await api.createOrder(items, 'key-order-123');
    expect(second.order.id).toBe(first.order.id);
    expect(first.order.totalFen).toBe(1980);
    const sent = wx.requests.filter((r) => r.url.endsWith('/api/orders') && r.method === 'POST');
    expect(sent.map((r) => r.headers['idempotency-key'])).toEqual([
      'key-order-123',
      'key-order-123',
    ]);
    expect(sent[0]!.body).toEqual({ items, channel: 'miniprogram' });
  });

  it('when asked to sync, then the order is fetched with ?sync=1', async () => {
    const { api } = runtimeFor();
    const { order } = await api.createOrder(
      [{ productId: 'jasmine-tea', quantity: 1 }],
      'key-sync',
    );
    await api.getOrder(order.id, { sync: true });
    expect(wx.requests.at(-1)!.url).toBe(`${shop.url}/api/orders/${order.id}?sync=1`);
  });
});
