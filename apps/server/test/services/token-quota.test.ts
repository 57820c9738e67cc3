import { randomBytes } from 'node:crypto';
import { redisUrl } from '@fen/test-support';
import { isWxPayError, wxPayError } from '@fen/wxpay';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import {
  createTokenQuota,
  nextShanghaiMidnight,
  shanghaiDay,
} from '../../src/services/token-quota.js';
import type { TokenQuotaDeps } from '../../src/services/token-quota.js';
import {
  createMemoryTokenQuotaStore,
  createRedisTokenQuotaStore,
} from '../../src/services/token-quota-store.js';
import type { TokenQuotaStore } from '../../src/services/token-quota-store.js';

const APP = 'wxfe00000000000001';
const OTHER = 'wxfe00000000000002';
/** 2026-12-08 23:30 in Shanghai (15:30 UTC): half an hour before WeChat's quota day ends. */
const LATE_EVENING = Date.UTC(2026, 11, 8, 15, 30);

const prefix = `fen-token-quota-test-${randomBytes(4).toString('hex')}:`;
const clients: Redis[] = [];
/** A Redis store of its own for each test (its own key prefix, under the file's). */
function redisStore(): TokenQuotaStore {
  const redis = new Redis(redisUrl(), {
    keyPrefix: `${prefix}${clients.length}:`,
    maxRetriesPerRequest: 1,
  });
  clients.push(redis);
  return createRedisTokenQuotaStore(redis);
}
afterAll(async () => {
  const plain = new Redis(redisUrl());
  const keys = await plain.keys(`${prefix}*`);
  if (keys.length > 0) await plain.del(...keys);
  await plain.quit();
  await Promise.all(clients.map((c) => c.quit()));
});

/** A quota on `store` with a clock the test moves, and the alerts it raised. */
function rig(store: TokenQuotaStore, overrides: Partial<TokenQuotaDeps> = {}) {
  const clock = { ms: LATE_EVENING, now: () => new Date(clock.ms) };
  const alerts: string[] = [];
  const cleared: string[] = [];
  const quota = createTokenQuota({
    store,
    clock,
    log: pino({ level: 'silent' }),
    appIds: [APP, OTHER],
    clearAtWeChat: async (appId) => void cleared.push(appId),
    onQuotaExhausted: (appId, kind) => void alerts.push(`${appId}:${kind}`),
    ...overrides,
  });
  return { quota, clock, alerts, cleared };
}

describe('the Asia/Shanghai day', () => {
  it('turns at 16:00 UTC', () => {
    expect(shanghaiDay(Date.UTC(2026, 11, 8, 15, 59, 59))).toBe('2026-12-08');
    expect(shanghaiDay(Date.UTC(2026, 11, 8, 16, 0, 0))).toBe('2026-12-09');
    expect(nextShanghaiMidnight(LATE_EVENING)).toBe(Date.UTC(2026, 11, 8, 16, 0, 0));
    expect(nextShanghaiMidnight(Date.UTC(2026, 11, 8, 16, 0, 0))).toBe(
      Date.UTC(2026, 11, 9, 16, 0, 0),
    );
  });
});

for (const [name, makeStore] of [
  ['Redis', redisStore],
  ['in-process', () => createMemoryTokenQuotaStore()],
] as const) {
  describe(`the token quota (${name})`, () => {
    it('counts fetches per appid and kind for the Shanghai day, and starts again at its midnight', async () => {
      const { quota, clock } = rig(makeStore());
      await quota.beforeFetch(APP, 'access_token');
      await quota.beforeFetch(APP, 'access_token');
      await quota.beforeFetch(APP, 'jsapi_ticket');
      await quota.beforeFetch(OTHER, 'access_token');
      let status = await quota.status();
      expect(status.day).toBe('2026-12-08');
      expect(status.apps).toEqual([
        { appId: APP, fetches: { access_token: 2, jsapi_ticket: 1 }, blockedSince: {} },
        { appId: OTHER, fetches: { access_token: 1, jsapi_ticket: 0 }, blockedSince: {} },
      ]);
      clock.ms += 30 * 60_000; // 00:00 in Shanghai
      await quota.beforeFetch(APP, 'access_token');
      status = await quota.status();
      expect(status.day).toBe('2026-12-09');
      expect(status.apps[0]?.fetches).toEqual({ access_token: 1, jsapi_ticket: 0 });
    });

    it('after a 45009 refuses fetches of that kind until the next Shanghai day, alerting once', async () => {
      const { quota, clock, alerts } = rig(makeStore());
      await quota.quotaExhausted(APP, 'access_token');
      await quota.quotaExhausted(APP, 'access_token'); // another instance saw it too
      expect(alerts).toEqual([`${APP}:access_token`]);
      const refused = await quota.beforeFetch(APP, 'access_token').catch((e: unknown) => e);
      expect(isWxPayError(refused, 'TOKEN_QUOTA_BLOCKED')).toBe(true);
      await quota.beforeFetch(APP, 'jsapi_ticket'); // the ticket's quota is its own
      const status = await quota.status();
      expect(status.apps[0]?.blockedSince).toEqual({
        access_token: new Date(LATE_EVENING).toISOString(),
      });
      expect(status.apps[0]?.fetches).toEqual({ access_token: 0, jsapi_ticket: 1 });

      clock.ms += 30 * 60_000;
      await quota.beforeFetch(APP, 'access_token');
      expect((await quota.status()).apps[0]?.blockedSince).toEqual({});
      // A new 45009 on the new day pauses again, and alerts again.
      await quota.quotaExhausted(APP, 'access_token');
      expect(alerts).toHaveLength(2);
    });

    it('an operator reset clears the quota at WeChat and lifts the pause; an unknown appid is 404', async () => {
      const { quota, cleared } = rig(makeStore());
      await quota.quotaExhausted(APP, 'jsapi_ticket');
      const log = pino({ level: 'silent' });
      const app = await quota.reset(APP, 'alice', log);
      expect(cleared).toEqual([APP]);
      expect(app.blockedSince).toEqual({});
      expect(app.lastReset).toEqual({
        operator: 'alice',
        at: new Date(LATE_EVENING).toISOString(),
      });
      await quota.beforeFetch(APP, 'jsapi_ticket');
      const unknown = await quota.reset('wx0000000000000000', 'alice', log).catch((e) => e);
      expect(isAppError(unknown, 'NOT_FOUND')).toBe(true);
      expect(cleared).toEqual([APP]);
    });
  });
}

describe('the token quota when things fail', () => {
  it('when WeChat refuses clear_quota, then the pause stays and the error names the errcode', async () => {
    const { quota } = rig(createMemoryTokenQuotaStore(), {
      clearAtWeChat: async () => {
        throw wxPayError('api', 'WX_48006', 'POST /cgi-bin/clear_quota/v2: errcode 48006', {
          errcode: 48006,
          errmsg: 'forbid to clear quota because of reaching the limit',
        });
      },
    });
    await quota.quotaExhausted(APP, 'access_token');
    const err = await quota.reset(APP, 'bob', pino({ level: 'silent' })).catch((e) => e);
    expect(isAppError(err, 'WECHAT_REJECTED')).toBe(true);
    expect(String(err.message)).toContain('48006');
    expect(Object.keys((await quota.status()).apps[0]?.blockedSince ?? {})).toEqual([
      'access_token',
    ]);
  });

  it('when the alert hook throws, then the pause is still recorded', async () => {
    const { quota } = rig(createMemoryTokenQuotaStore(), {
      onQuotaExhausted: () => {
        throw new Error('webhook down');
      },
    });
    await quota.quotaExhausted(APP, 'access_token');
    await new Promise((resolve) => setImmediate(resolve));
    expect(Object.keys((await quota.status()).apps[0]?.blockedSince ?? {})).toEqual([
      'access_token',
    ]);
  });

  it('when the store (Redis) fails, then fetches go on uncounted and a 45009 still alerts', async () => {
    const down = () => Promise.reject(new Error('ECONNREFUSED'));
    const broken: TokenQuotaStore = {
      countFetch: down,
      fetches: down,
      block: down,
      blockOf: down,
      unblock: down,
      recordReset: down,
      lastReset: down,
    };
    const { quota, alerts } = rig(broken);
    await expect(quota.beforeFetch(APP, 'access_token')).resolves.toBeUndefined();
    await quota.quotaExhausted(APP, 'access_token');
    await new Promise((resolve) => setImmediate(resolve));
    expect(alerts).toEqual([`${APP}:access_token`]);
  });
});
