import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingProxy, sentIp } from './helpers/recording-proxy.js';
import { call, redisUrl, startFenServer, startSandbox } from './helpers/stack.js';
import type { Sandbox, ServerUnderTest } from './helpers/stack.js';

// Issue 15 §3: the client's address is what the trusted proxy saw, and the limits on routes that
// call WeChat or create state are kept in Redis, shared by every instance. WeChat is reached
// through a recording pass-through, so each test counts the calls that actually left.

let sandbox: Sandbox;
let proxy: Awaited<ReturnType<typeof recordingProxy>>;
const servers: ServerUnderTest[] = [];

beforeAll(async () => {
  sandbox = await startSandbox(0.001);
  proxy = await recordingProxy(sandbox.url);
}, 30_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await proxy?.close();
  await sandbox?.close();
});

/** A server against the recording proxy; `redis`: with the test Redis under a prefix of its own. */
async function server(env: Record<string, string>, redisPrefix?: string): Promise<ServerUnderTest> {
  const started = await startFenServer(sandbox, {
    env: {
      WXPAY_API_BASE: proxy.url,
      WXPAY_V3_API_BASE: proxy.url,
      ...(redisPrefix ? { REDIS_URL: redisUrl(), REDIS_KEY_PREFIX: redisPrefix } : {}),
      ...env,
    },
  });
  servers.push(started);
  return started;
}

/** Two instances of one deployment: one database, one Redis (a fresh key prefix per test). */
async function twoInstances(env: Record<string, string>) {
  const prefix = `fen-limits-${randomBytes(4).toString('hex')}:`;
  const one = await server(env, prefix);
  const two = await startFenServer(sandbox, {
    databaseUri: one.databaseUri,
    env: {
      WXPAY_API_BASE: proxy.url,
      WXPAY_V3_API_BASE: proxy.url,
      REDIS_URL: redisUrl(),
      REDIS_KEY_PREFIX: prefix,
      ...env,
    },
  });
  servers.push(two);
  return [one, two] as const;
}

const guest = (s: ServerUnderTest, headers: Record<string, string> = {}) =>
  call(`${s.url}/api/guest-session`, { method: 'POST', headers });

async function login(s: ServerUnderTest, user: string): Promise<string> {
  const { code } = sandbox.loginCode(user);
  const res = await call(`${s.url}/api/session`, { body: { code } });
  expect(res.status).toBe(200);
  return res.body.token as string;
}

const TEA = [{ productId: 'jasmine-tea', quantity: 1 }];

function expectRateLimited(res: Awaited<ReturnType<typeof call>>): void {
  expect(res.status).toBe(429);
  expect(res.body.error).toMatchObject({ code: 'RATE_LIMITED', requestId: expect.any(String) });
  expect(res.body.error.message).toMatch(/请.*秒后再试/);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
}

describe('the client address behind TRUST_PROXY hops', () => {
  it('when a client writes its own X-Forwarded-For entries, then it neither passes the guest limit nor picks spbill_create_ip', async () => {
    const behindOneProxy = await server({ TRUST_PROXY: '1', GUEST_SESSIONS_PER_MINUTE: '3' });
    // What the one trusted proxy sends: the client's own header, then the address it saw.
    const viaProxy = (written: string, seen: string) => ({
      'x-forwarded-for': `${written}, ${seen}`,
    });
    const answers = [];
    for (let i = 0; i < 6; i += 1) {
      answers.push(await guest(behindOneProxy, viaProxy(`203.0.113.${i + 1}`, '198.51.100.7')));
    }
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 429, 429, 429]);
    // Another address behind the same proxy is not held back.
    expect((await guest(behindOneProxy, viaProxy('203.0.113.1', '198.51.100.8'))).status).toBe(201);

    const token = answers[0]?.body.token as string;
    const native = await call(`${behindOneProxy.url}/api/orders`, {
      token,
      body: { items: TEA, channel: 'native' },
      headers: viaProxy('203.0.113.99', '198.51.100.9'),
    });
    expect(native.status).toBe(201);
    const [sent] = proxy.unifiedOrders(native.body.order.outTradeNo);
    expect(sentIp(sent)).toBe('198.51.100.9');
  });

  it('when there are two proxies, then the client is whom the outer one saw', async () => {
    const behindTwo = await server({ TRUST_PROXY: '2' });
    const token = (await guest(behindTwo)).body.token as string;
    // The client wrote 203.0.113.5; the outer proxy saw 198.51.100.20; the inner one saw the outer.
    const res = await call(`${behindTwo.url}/api/orders`, {
      token,
      body: { items: TEA, channel: 'native' },
      headers: { 'x-forwarded-for': '203.0.113.5, 198.51.100.20, 10.0.0.2' },
    });
    expect(res.status).toBe(201);
    expect(sentIp(proxy.unifiedOrders(res.body.order.outTradeNo)[0])).toBe('198.51.100.20');
  });

  it('when the proxy-seen addresses are IPv6 in one /64, then they share one bucket', async () => {
    const s = await server({ TRUST_PROXY: '1', GUEST_SESSIONS_PER_MINUTE: '2' });
    const from = (ip: string) => guest(s, { 'x-forwarded-for': ip });
    expect((await from('2001:db8:1:2::a')).status).toBe(201);
    expect((await from('2001:db8:1:2:ffff:ffff:ffff:b')).status).toBe(201);
    expectRateLimited(await from('2001:0db8:0001:0002:0:0:0:c'));
    // The next /64 is someone else.
    expect((await from('2001:db8:1:3::a')).status).toBe(201);
  });
});

describe('limits shared by all instances through Redis', () => {
  it('when guests alternate between two instances, then together they get the limit, not twice it', async () => {
    const [one, two] = await twoInstances({ GUEST_SESSIONS_PER_MINUTE: '3' });
    const statuses = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await guest(i % 2 === 0 ? one : two)).status);
    expect(statuses).toEqual([201, 201, 201, 429, 429, 429]);
    const refused = await guest(one);
    expectRateLimited(refused);
  });

  it('when one address logs in over the limit on two instances, then 429 before WeChat is asked', async () => {
    const [one, two] = await twoInstances({ LOGINS_PER_MINUTE: '2' });
    const login = (s: ServerUnderTest, code: string) =>
      call(`${s.url}/api/session`, { body: { code } });
    expect((await login(one, sandbox.loginCode('limit-login-1').code)).status).toBe(200);
    expect((await login(two, sandbox.loginCode('limit-login-2').code)).status).toBe(200);
    const { code } = sandbox.loginCode('limit-login-3');
    expectRateLimited(await login(one, code));
    // The single-use code was never sent to WeChat: another deployment still logs in with it.
    const elsewhere = await server({});
    expect((await login(elsewhere, code)).status).toBe(200);
  });

  it('when one user places orders over the limit, then 429 before WeChat is called and no order is stored', async () => {
    const [one, two] = await twoInstances({ ORDER_ACTIONS_PER_MINUTE: '2' });
    const token = await login(one, 'limit-orders');
    const order = (s: ServerUnderTest) =>
      call(`${s.url}/api/orders`, { token, body: { items: TEA } });
    expect((await order(one)).status).toBe(201);
    expect((await order(two)).status).toBe(201);
    const prepaysBefore = proxy.outTradeNos('prepay').length;
    const ordersBefore = await one.running.runtime.db.models.Order.countDocuments();
    expectRateLimited(await order(two));
    expectRateLimited(await order(one));
    expect(proxy.outTradeNos('prepay')).toHaveLength(prepaysBefore);
    expect(await one.running.runtime.db.models.Order.countDocuments()).toBe(ordersBefore);
    // Cancel is limited with the same allowance.
    const [placed] = (await call(`${one.url}/api/orders`, { token })).body.orders;
    expectRateLimited(
      await call(`${two.url}/api/orders/${placed.id}/cancel`, { token, method: 'POST' }),
    );
  });

  it('when a client asks ten times for ?sync=1 on both instances, then WeChat is asked once in the interval', async () => {
    const [one, two] = await twoInstances({ ORDER_SYNC_INTERVAL_SECONDS: '60' });
    const token = await login(one, 'limit-sync');
    const created = await call(`${one.url}/api/orders`, { token, body: { items: TEA } });
    expect(created.status).toBe(201);
    const { id, outTradeNo } = created.body.order;
    const queries = () => proxy.outTradeNos('query').filter((no) => no === outTradeNo).length;
    for (let i = 0; i < 10; i += 1) {
      const res = await call(`${(i % 2 === 0 ? one : two).url}/api/orders/${id}?sync=1`, { token });
      expect(res.status).toBe(200);
      expect(res.body.order.status).toBe('PENDING');
    }
    expect(queries()).toBe(1);
  });
});

describe('channel switches per order', () => {
  it('when a payer switches channel six times, then only ORDER_MAX_CHANNEL_SWITCHES reach WeChat and the rest are refused', async () => {
    const s = await server({});
    const token = (await guest(s)).body.token as string;
    const created = await call(`${s.url}/api/orders`, {
      token,
      body: { items: TEA, channel: 'native' },
    });
    expect(created.status).toBe(201);
    const id = created.body.order.id as string;
    const statuses = [];
    const outTradeNos = new Set<string>([created.body.order.outTradeNo]);
    let current = 'native';
    for (let i = 0; i < 6; i += 1) {
      const channel = current === 'native' ? 'h5' : 'native';
      const res = await call(`${s.url}/api/orders/${id}/pay`, { token, body: { channel } });
      statuses.push(res.status);
      if (res.status === 200) {
        outTradeNos.add(res.body.order.outTradeNo);
        current = channel;
      } else expect(res.body.error.code).toBe('CONFLICT');
    }
    expect(statuses).toEqual([200, 200, 200, 200, 409, 409]);
    const sentFor = (kind: 'prepay' | 'close') =>
      proxy.outTradeNos(kind).filter((no) => outTradeNos.has(no)).length;
    expect(sentFor('close')).toBe(4);
    expect(sentFor('prepay')).toBe(5);
    const stored = await s.running.runtime.stores.orders.findById(id);
    expect(stored?.formerOutTradeNos).toHaveLength(4);
  });
});
