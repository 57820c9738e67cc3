import { formatWxTime } from '@fen/wxpay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrderFrom, recordingProxy, sentIp } from './helpers/recording-proxy.js';
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

/** time_expire as each API writes it: yyyyMMddHHmmss, or RFC 3339 — both Beijing time. */
function expectedTimeExpire(at: Date): string {
  const t = formatWxTime(at);
  if (!isV3) return t;
  const part = (from: number, to: number) => t.slice(from, to);
  return `${part(0, 4)}-${part(4, 6)}-${part(6, 8)}T${part(8, 10)}:${part(10, 12)}:${part(12, 14)}+08:00`;
}

let sandbox: Sandbox;
let wechat: ReturnType<typeof control>;
let proxy: Awaited<ReturnType<typeof recordingProxy>>;
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
    const [sent] = proxy.unifiedOrders(order.outTradeNo);
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
    const [sent] = proxy.unifiedOrders(forwarded.body.order.outTradeNo);
    expect(sentIp(sent)).toBe('203.0.113.7');
    expect(sent?.notify_url).toBe(`${proxied.url}${notifyPaths.payment}`);
    // Without the header, the socket's own address.
    const plain = await createOrderFrom('127.0.0.3', proxied.url, token);
    expect(sentIp(proxy.unifiedOrders(plain.body.order.outTradeNo)[0])).toBe('127.0.0.3');
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
    const sent = proxy.unifiedOrders(created.order.outTradeNo);
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
