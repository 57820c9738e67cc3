import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isWxPayError } from '../src/errors.js';
import { MemoryTokenCache } from '../src/token-cache.js';
import { quotaBlockedError } from '../src/token-quota.js';
import type { TokenFetchGuard, TokenKind } from '../src/token-quota.js';
import { createWeChatApi } from '../src/wechat-api.js';
import type { WeChatApi } from '../src/wechat-api.js';
import { replyJson, startFakeWeChat } from './support/fake-wechat.js';
import type { FakeWeChat } from './support/fake-wechat.js';
import { DEMO } from './support/wechat-demo.js';

const START = Date.UTC(2025, 0, 1, 0, 0, 0);
const MINUTE = 60_000;
const QUOTA_REACHED = { errcode: 45009, errmsg: 'reach max api daily quota limit, rid: 1' };

let wechat: FakeWeChat;
let api: WeChatApi;
let now: number;
/** A guard as the server's: counts fetches, and pauses a kind once WeChat answered 45009. */
let fetches: TokenKind[];
let exhausted: TokenKind[];

/** `/cgi-bin/token` answering TOKEN_1, TOKEN_2, … until `quotaLeft` is used up, then 45009. */
function serveTokens(quotaLeft: { n: number }) {
  let issued = 0;
  wechat.route('GET', '/cgi-bin/token', (_req, res) => {
    if (quotaLeft.n <= 0) return replyJson(res, QUOTA_REACHED);
    quotaLeft.n -= 1;
    issued += 1;
    replyJson(res, { access_token: `TOKEN_${issued}`, expires_in: 7200 });
  });
}

beforeEach(async () => {
  wechat = await startFakeWeChat();
  now = START;
  fetches = [];
  exhausted = [];
  const guard: TokenFetchGuard = {
    async beforeFetch(appId, kind) {
      if (exhausted.includes(kind)) throw quotaBlockedError(appId, kind);
      fetches.push(kind);
    },
    async quotaExhausted(_appId, kind) {
      exhausted.push(kind);
    },
  };
  const clock = () => now;
  api = createWeChatApi({
    appId: DEMO.appId,
    secret: DEMO.secret,
    baseUrl: wechat.url,
    timeoutMs: 2000,
    now: clock,
    tokenCache: new MemoryTokenCache({ now: clock }),
    fetchGuard: guard,
  });
});

afterEach(async () => {
  await api.close();
  await wechat.close();
});

describe('the fetch guard', () => {
  it('when the token is cached, then only the fetch from WeChat is shown to the guard', async () => {
    serveTokens({ n: 10 });
    expect(await api.getAccessToken()).toBe('TOKEN_1');
    expect(await api.getAccessToken()).toBe('TOKEN_1');
    expect(fetches).toEqual(['access_token']);
  });

  it('when WeChat answers 45009 to an early renewal, then the cached token is served and WeChat is not asked again until it expires', async () => {
    serveTokens({ n: 1 });
    expect(await api.getAccessToken()).toBe('TOKEN_1');
    now += 7200_000 - 2 * MINUTE; // inside the renewal window, still valid
    expect(await api.getAccessToken()).toBe('TOKEN_1');
    expect(exhausted).toEqual(['access_token']);
    expect(wechat.calls('/cgi-bin/token')).toHaveLength(2);

    // Paused: later callers get the valid cached token, and WeChat sees no call.
    now += MINUTE;
    expect(await api.getAccessToken()).toBe('TOKEN_1');
    expect(await api.callWithAccessToken(async (token) => token)).toBe('TOKEN_1');
    expect(wechat.calls('/cgi-bin/token')).toHaveLength(2);

    // Once it has expired there is nothing to serve: the pause is the error, still no call.
    now += 2 * MINUTE;
    const err = await api.getAccessToken().catch((e: unknown) => e);
    expect(isWxPayError(err, 'TOKEN_QUOTA_BLOCKED')).toBe(true);
    expect(wechat.calls('/cgi-bin/token')).toHaveLength(2);
    expect(fetches).toEqual(['access_token', 'access_token']);
  });

  it('when getticket answers 45009, then the jsapi_ticket is paused, not the access_token', async () => {
    serveTokens({ n: 10 });
    wechat.route('GET', '/cgi-bin/ticket/getticket', (_req, res) => replyJson(res, QUOTA_REACHED));
    const err = await api.getJsapiTicket().catch((e: unknown) => e);
    expect(isWxPayError(err, 'WX_45009')).toBe(true);
    expect(exhausted).toEqual(['jsapi_ticket']);
    const again = await api.getJsapiTicket().catch((e: unknown) => e);
    expect(isWxPayError(again, 'TOKEN_QUOTA_BLOCKED')).toBe(true);
    expect(wechat.calls('/cgi-bin/ticket/getticket')).toHaveLength(1);
  });

  it('when the access_token a ticket needs gets 45009, then only the access_token is paused', async () => {
    serveTokens({ n: 0 });
    const err = await api.getJsapiTicket().catch((e: unknown) => e);
    expect(isWxPayError(err, 'WX_45009')).toBe(true);
    expect(exhausted).toEqual(['access_token']);
    expect(fetches).toEqual(['jsapi_ticket', 'access_token']);
  });
});

describe('clearQuota', () => {
  it('when called, then it posts the appid and AppSecret to clear_quota/v2', async () => {
    wechat.route('POST', '/cgi-bin/clear_quota/v2', (_req, res) =>
      replyJson(res, { errcode: 0, errmsg: 'ok' }),
    );
    await api.clearQuota();
    const [call] = wechat.calls('/cgi-bin/clear_quota/v2');
    expect(JSON.parse(call?.body ?? '')).toEqual({ appid: DEMO.appId, appsecret: DEMO.secret });
  });

  it("when the monthly resets are used up, then WeChat's 48006 is the error", async () => {
    wechat.route('POST', '/cgi-bin/clear_quota/v2', (_req, res) =>
      replyJson(res, {
        errcode: 48006,
        errmsg: 'forbid to clear quota because of reaching the limit',
      }),
    );
    const err = await api.clearQuota().catch((e: unknown) => e);
    expect(isWxPayError(err, 'WX_48006')).toBe(true);
    expect(String((err as Error).message)).not.toContain(DEMO.secret);
  });
});
