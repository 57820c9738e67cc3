import { request as httpRequest } from 'node:http';
import { formatWxTime } from '@fen/wxpay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingProxy } from './helpers/recording-proxy.js';
import { control, prepayIdOf } from './helpers/sandbox-control.js';
import {
  TestClock,
  call,
  isV3,
  notifyPaths,
  startFenServer,
  startSandbox,
} from './helpers/stack.js';
import type { Sandbox, ServerUnderTest } from './helpers/stack.js';

// What the server sends to unifiedorder, seen from WeChat's side: the sandbox's view of the
// order, and the request bodies on their way there (the sandbox does not show spbill_create_ip,
// so the pay API is reached through a recording pass-through in front of it).

/** The unifiedorder request (APIv2) or the JSAPI prepay (APIv3), as the recorder keeps it. */
const PREPAY_PATH = isV3 ? '/v3/pay/transactions/jsapi' : '/pay/unifiedorder';

/** The payer's IP as sent: APIv2 spbill_create_ip, APIv3 scene_info.payer_client_ip. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const sentIp = (sent: Record<string, any> | undefined): unknown =>
  isV3 ? sent?.scene_info?.payer_client_ip : sent?.spbill_create_ip;

/** time_expire as each API writes it: yyyyMMddHHmmss, or RFC 3339 — both Beijing time. */
function expectedTimeExpire(at: Date): string {
  const t = formatWxTime(at);
  if (!isV3) return t;
  const part = (from: number, to: number) => t.slice(from, to);
  return `${part(0, 4)}-${part(4, 6)}-${part(6, 8)}T${part(8, 10)}:${part(10, 12)}:${part(12, 14)}+08:00`;
}

/**
 * POST /api/orders over a socket bound to `localAddress` (any 127.0.0.0/8 address reaches the
 * server on 127.0.0.1), so the IP the server sees is one the test chose.
 */
function createOrderFrom(
  localAddress: string,
  serverUrl: string,
  token: string,
  headers: Record<string, string> = {},
  // Tests read response fields directly; the assertions are the type check (as `call` does).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; body: any }> {
  const payload = JSON.stringify({ items: [{ productId: 'jasmine-tea', quantity: 1 }] });
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${serverUrl}/api/orders`,
      {
        method: 'POST',
        localAddress,
        timeout: 10_000,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}

let sandbox: Sandbox;
let wechat: ReturnType<typeof control>;
let proxy: Awaited<ReturnType<typeof recordingProxy>>;
const unifiedOrders = (outTradeNo: string) =>
  proxy
    .requests(PREPAY_PATH)
    .filter((r) => r.fields.out_trade_no === outTradeNo)
    .map((r) => r.fields);
const clock = new TestClock();
/** TRUST_PROXY off (the default), a day to pay, and a clock the test moves. */
let direct: ServerUnderTest;
/** TRUST_PROXY on: behind a proxy that sets X-Forwarded-For. */
let proxied: ServerUnderTest;

beforeAll(async () => {
  sandbox = await startSandbox(0.001);
  wechat = control(sandbox);
  proxy = await recordingProxy(sandbox.url);
  direct = await startFenServer(sandbox, {
    // The sandbox's clock moves with this one, and APIv3 signatures carry that time.
    clock,
    wechatClock: clock,
    env: { WXPAY_API_BASE: proxy.url, WXPAY_V3_API_BASE: proxy.url, ORDER_TTL_MINUTES: '1440' },
  });
  proxied = await startFenServer(sandbox, {
    env: { WXPAY_API_BASE: proxy.url, WXPAY_V3_API_BASE: proxy.url, TRUST_PROXY: 'true' },
  });
}, 30_000);

afterAll(async () => {
  await direct?.close();
  await proxied?.close();
  await proxy?.close();
  await sandbox?.close();
});

async function login(server: ServerUnderTest, user: string): Promise<string> {
  const { code } = await wechat.loginCode(user);
  const res = await call(`${server.url}/api/session`, { body: { code } });
  expect(res.status).toBe(200);
  return res.body.token as string;
}

const sandboxOrder = (outTradeNo: string) =>
  sandbox.orders().find((o) => o.out_trade_no === outTradeNo);

describe('unifiedorder parameters', () => {
  it('when a payer orders, then WeChat gets their IP, time_expire = expiresAt and the configured notify_url', async () => {
    const token = await login(direct, 'kate');
    // X-Forwarded-For is the client's own claim here: without TRUST_PROXY it is ignored.
    const res = await createOrderFrom('127.0.0.2', direct.url, token, {
      'x-forwarded-for': '203.0.113.7',
    });
    expect(res.status).toBe(201);
    const { order } = res.body;
    const [sent] = unifiedOrders(order.outTradeNo);
    expect(sentIp(sent)).toBe('127.0.0.2');
    expect(sent?.time_expire).toBe(expectedTimeExpire(new Date(order.expiresAt)));
    expect(sent?.notify_url).toBe(`${direct.url}${notifyPaths.payment}`);

    const seen = sandboxOrder(order.outTradeNo);
    expect(seen?.notify_url).toBe(`${direct.url}${notifyPaths.payment}`);
    // WeChat's time_expire has whole seconds (Beijing time): the order's, cut to the second.
    const expiresAt = new Date(order.expiresAt).getTime();
    expect(new Date(seen?.time_expire ?? 0).getTime()).toBe(Math.floor(expiresAt / 1000) * 1000);
    expect(expiresAt - new Date(order.createdAt).getTime()).toBe(1440 * 60_000);
  });

  it('when the server trusts its proxy, then spbill_create_ip is the X-Forwarded-For address', async () => {
    const token = await login(proxied, 'leo');
    const forwarded = await createOrderFrom('127.0.0.3', proxied.url, token, {
      'x-forwarded-for': '203.0.113.7',
    });
    expect(forwarded.status).toBe(201);
    const [sent] = unifiedOrders(forwarded.body.order.outTradeNo);
    expect(sentIp(sent)).toBe('203.0.113.7');
    expect(sent?.notify_url).toBe(`${proxied.url}${notifyPaths.payment}`);
    // Without the header, the socket's own address.
    const plain = await createOrderFrom('127.0.0.3', proxied.url, token);
    expect(sentIp(unifiedOrders(plain.body.order.outTradeNo)[0])).toBe('127.0.0.3');
  });
});

describe('paying again after the prepay_id has lapsed', () => {
  it('when /pay comes after the prepay_id expired, then the same request is sent again: one order at WeChat, a payable prepay_id', async () => {
    const token = await login(direct, 'mia');
    const created = (await createOrderFrom('127.0.0.1', direct.url, token)).body;
    const first = prepayIdOf(created.payParams);
    // Past both the server's reuse window (115 min) and WeChat's 2 h prepay life; the order
    // itself (ORDER_TTL_MINUTES=1440) is still payable.
    clock.advance(121 * 60_000);
    sandbox.advanceClock(121 * 60);
    let again;
    try {
      again = await call(`${direct.url}/api/orders/${created.order.id}/pay`, {
        token,
        method: 'POST',
      });
    } finally {
      clock.advance(-121 * 60_000);
    }
    expect(again.status).toBe(200);
    const sent = unifiedOrders(created.order.outTradeNo);
    expect(sent).toHaveLength(2);
    // The same parameters (APIv2: nonce included): WeChat takes it as the same order.
    expect(sent[1]).toEqual(sent[0]);
    expect(
      sandbox.orders().filter((o) => o.out_trade_no === created.order.outTradeNo),
    ).toHaveLength(1);
    const renewed = prepayIdOf(again.body.payParams);
    expect(renewed).not.toBe(first);
    expect(sandboxOrder(created.order.outTradeNo)?.prepay_id).toBe(renewed);
    const stored = await direct.running.runtime.db.models.Order.findById(created.order.id).lean();
    expect(stored?.timeline.filter((e) => e.kind === 'ATTEMPT')).toHaveLength(2);
    expect(stored?.timeline.map((e) => e.kind)).not.toContain('ATTEMPT_FAILED');
    expect(direct.logs.text).not.toContain('商户订单号重复');
    expect((await wechat.pay(renewed)).trade_state).toBe('SUCCESS');
  });
});
