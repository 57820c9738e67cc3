import { randomBytes } from 'node:crypto';
import { DEMO_OA_APP } from '@fen/demo';
import { startWebhookReceiver } from '@fen/test-support';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO, call, redisUrl, useFenStack } from './helpers/stack.js';

// Issue 16 §4: token fetches are counted per appid per day, a 45009 from WeChat pauses them (the
// cached token keeps the server working), and an operator resets the quota through clear_quota.
// The sandbox enforces the daily quota; the test lowers it to what has already been used.
// The alert webhook (a WeCom robot's stand-in) that anomalies and the quota alert go to.
const webhook = await startWebhookReceiver();
afterAll(() => webhook.close());
const stack = useFenStack({
  server: {
    env: {
      ALERT_WEBHOOK_URL: webhook.url,
      REDIS_URL: redisUrl(),
      REDIS_KEY_PREFIX: `fen-quota-${randomBytes(4).toString('hex')}:`,
      WX_OA_APPID: DEMO_OA_APP.appId,
      WX_OA_APPSECRET: DEMO_OA_APP.secret,
    },
  },
});
const OA = DEMO_OA_APP.appId;

const admin = (path: string, method = 'GET') =>
  call(`${stack.server.url}/admin${path}`, { method, token: DEMO.adminToken });
const quotaOf = async (appId = OA) => {
  const res = await admin('/token-quota');
  expect(res.status).toBe(200);
  return res.body.apps.find((a: { appId: string }) => a.appId === appId);
};
const jssdkConfig = () => {
  const page = `${stack.server.url}/checkout?c=jsapi`;
  return call(`${stack.server.url}/api/oa/jssdk-config?url=${encodeURIComponent(page)}`);
};
const sandboxQuota = (limits?: object) =>
  call(`${stack.sandbox.url}/__sandbox/token-quota`, {
    method: limits ? 'PUT' : 'DELETE',
    ...(limits ? { body: limits } : {}),
  });

/**
 * Moves a cached token into its early-renewal window (as if it were 5 minutes from expiry): the
 * next use asks WeChat for a new one, while the cached one is still valid.
 */
async function dueForRenewal(kind: 'access_token' | 'jsapi_ticket') {
  const redis = stack.server.running.runtime.redis;
  if (!redis) throw new Error('this test needs Redis');
  const key = `fen:wx:${OA}:${kind}`;
  const cached = JSON.parse((await redis.get(key)) ?? 'null') as { refreshAt: number } | null;
  if (!cached) throw new Error(`no cached ${kind}`);
  await redis.set(key, JSON.stringify({ ...cached, refreshAt: Date.now() - 1 }), 'KEEPTTL');
}
const alerts = () => stack.server.logs.lines.filter((l) => l.includes('token-quota-exhausted'));

beforeEach(async () => {
  await sandboxQuota();
});

describe('the access_token quota', () => {
  it('when WeChat answers 45009 to a renewal, then the server keeps working with its cached tokens, shows the pause, alerts once, and an operator reset lifts it', async () => {
    expect((await jssdkConfig()).status).toBe(200);
    const before = await quotaOf();
    expect(before.fetches).toEqual({ access_token: 1, jsapi_ticket: 1 });
    expect(before.blockedSince).toEqual({});

    // The day's quota is used up at WeChat; both tokens are due for renewal.
    await sandboxQuota({ token: 1 });
    await dueForRenewal('access_token');
    await dueForRenewal('jsapi_ticket');
    const during = await jssdkConfig();
    expect(during.status).toBe(200); // a new ticket, fetched with the still-valid cached token
    const paused = await quotaOf();
    expect(paused.fetches).toEqual({ access_token: 2, jsapi_ticket: 2 });
    expect(Object.keys(paused.blockedSince)).toEqual(['access_token']);
    expect(Date.parse(paused.blockedSince.access_token)).toBeLessThanOrEqual(Date.now());
    expect(alerts()).toHaveLength(1);
    expect(alerts()[0]).toContain(`POST /admin/token-quota/${OA}/reset`);
    // The same alert reaches the webhook once, in Chinese, naming the app and the way out.
    await expect.poll(() => webhook.received.length, { timeout: 5000 }).toBe(1);
    const content = (webhook.received[0]?.body as { text: { content: string } }).text.content;
    expect(content).toContain('今日调用次数已达上限（45009）');
    expect(content).toContain(OA);
    expect(content).toContain(`POST /admin/token-quota/${OA}/reset`);

    // Paused: more renewals do not reach WeChat, and the server still answers.
    await dueForRenewal('jsapi_ticket');
    expect((await jssdkConfig()).status).toBe(200);
    expect((await quotaOf()).fetches).toEqual({ access_token: 2, jsapi_ticket: 3 });
    expect(alerts()).toHaveLength(1);

    const reset = await admin(`/token-quota/${OA}/reset`, 'POST');
    expect(reset.status).toBe(200);
    expect(reset.body.app.blockedSince).toEqual({});
    expect(reset.body.app.lastReset).toEqual({ operator: 'admin', at: expect.any(String) });
    const atWeChat = (await call(`${stack.sandbox.url}/__sandbox/token-quota`)).body;
    expect(atWeChat.clears).toEqual({ [OA]: 1 });
    expect(atWeChat.used[OA]?.token).toBeUndefined();

    // Unpaused: the next renewal fetches a new access_token from WeChat.
    await dueForRenewal('access_token');
    await dueForRenewal('jsapi_ticket');
    expect((await jssdkConfig()).status).toBe(200);
    const after = await quotaOf();
    expect(after.fetches).toEqual({ access_token: 3, jsapi_ticket: 4 });
    expect(after.blockedSince).toEqual({});
  });

  it('when the jsapi_ticket quota is used up, then the cached ticket is served and only the ticket is paused', async () => {
    expect((await jssdkConfig()).status).toBe(200);
    await dueForRenewal('jsapi_ticket');
    expect((await jssdkConfig()).status).toBe(200); // one ticket fetched today, at WeChat's count
    await sandboxQuota({ ticket: 1 });
    await dueForRenewal('jsapi_ticket');
    expect((await jssdkConfig()).status).toBe(200);
    const paused = await quotaOf();
    expect(Object.keys(paused.blockedSince)).toEqual(['jsapi_ticket']);
    expect((await admin(`/token-quota/${OA}/reset`, 'POST')).status).toBe(200);
    expect((await quotaOf()).blockedSince).toEqual({});
  });
});

describe('the admin routes', () => {
  it('lists every configured app, and refuses a reset for an appid that is not configured, or without a token', async () => {
    const all = (await admin('/token-quota')).body;
    expect(all.day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(all.apps.map((a: { appId: string }) => a.appId).sort()).toEqual([DEMO.appId, OA].sort());
    const clearsBefore = (await call(`${stack.sandbox.url}/__sandbox/token-quota`)).body.clears;
    expect((await admin('/token-quota/wx0000000000000000/reset', 'POST')).status).toBe(404);
    expect((await admin('/token-quota/not-an-appid/reset', 'POST')).status).toBe(404);
    const anonymous = await call(`${stack.server.url}/admin/token-quota/${OA}/reset`, {
      method: 'POST',
    });
    expect(anonymous.status).toBe(401);
    expect((await call(`${stack.sandbox.url}/__sandbox/token-quota`)).body.clears).toEqual(
      clearsBefore,
    );
  });

  it('when WeChat refuses the reset (the monthly limit), then the answer says so and the pause stays', async () => {
    const clearsUsed = async () =>
      (await call(`${stack.sandbox.url}/__sandbox/token-quota`)).body.clears[DEMO.appId] ?? 0;
    while ((await clearsUsed()) < 10) {
      expect((await admin(`/token-quota/${DEMO.appId}/reset`, 'POST')).status).toBe(200);
    }
    const refused = await admin(`/token-quota/${DEMO.appId}/reset`, 'POST');
    expect(refused.status).toBe(502);
    expect(refused.body.error.code).toBe('WECHAT_REJECTED');
    expect(refused.body.error.message).toContain('48006');
  });
});
