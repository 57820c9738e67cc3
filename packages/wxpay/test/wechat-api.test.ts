import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { isWxPayError } from '../src/errors.js';
import { createWeChatApi } from '../src/wechat-api.js';
import type { WeChatApi } from '../src/wechat-api.js';
import { MemoryTokenCache } from '../src/token-cache.js';
import { delay, replyJson, replyText, startFakeWeChat } from './support/fake-wechat.js';
import type { FakeWeChat } from './support/fake-wechat.js';
import { DEMO } from './support/wechat-demo.js';

const START = Date.UTC(2025, 0, 1, 0, 0, 0);
const HOUR = 3_600_000;

let wechat: FakeWeChat;
let api: WeChatApi;
let now: number;

/** cgi-bin/token answering TOKEN_1, TOKEN_2, … (7200 s), after `slowMs`. */
function serveTokens(slowMs = 0) {
  let issued = 0;
  wechat.route('GET', '/cgi-bin/token', async (_req, res) => {
    issued += 1;
    const token = `TOKEN_${issued}`;
    await delay(slowMs);
    replyJson(res, { access_token: token, expires_in: 7200 });
  });
}

/** A WeChat API that accepts only `valid` as access_token, else 40001. */
function serveMessageApi(valid: () => string) {
  wechat.route('POST', '/cgi-bin/message/custom/send', (req, res) => {
    replyJson(
      res,
      req.query.access_token === valid()
        ? { errcode: 0, errmsg: 'ok' }
        : { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' },
    );
  });
}

async function sendMessage(token: string): Promise<{ errcode: number }> {
  const res = await request(`${wechat.url}/cgi-bin/message/custom/send?access_token=${token}`, {
    method: 'POST',
    body: '{}',
  });
  return (await res.body.json()) as { errcode: number };
}

beforeEach(async () => {
  wechat = await startFakeWeChat();
  now = START;
  const clock = () => now;
  api = createWeChatApi({
    appId: DEMO.appId,
    secret: DEMO.secret,
    baseUrl: wechat.url,
    timeoutMs: 2000,
    now: clock,
    tokenCache: new MemoryTokenCache({ now: clock }),
  });
});

afterEach(async () => {
  await api.close();
  await wechat.close();
});

describe('code2Session', () => {
  it('when the code is valid, then it returns openid, session_key and unionid', async () => {
    wechat.route('GET', '/sns/jscode2session', (_req, res) =>
      replyJson(res, { openid: 'o_demo', session_key: 'c2Vzc2lvbktleQ==', unionid: 'u_demo' }),
    );
    await expect(api.code2Session('CODE1')).resolves.toEqual({
      openid: 'o_demo',
      session_key: 'c2Vzc2lvbktleQ==',
      unionid: 'u_demo',
    });
    expect(wechat.calls('/sns/jscode2session')[0]?.query).toEqual({
      appid: DEMO.appId,
      secret: DEMO.secret,
      js_code: 'CODE1',
      grant_type: 'authorization_code',
    });
  });

  it.each([
    [40029, 'invalid code, rid: 6565d1a1-1b2c3d4e'],
    [40163, 'code been used, rid: 6565d1a1-5f6a7b8c'],
  ])(
    'when WeChat answers errcode %i, then an api error WX_%i without the secret',
    async (errcode, errmsg) => {
      wechat.route('GET', '/sns/jscode2session', (_req, res) =>
        replyJson(res, { errcode, errmsg }),
      );
      const err = await api.code2Session('USED').catch((e: unknown) => e);
      expect(isWxPayError(err, `WX_${errcode}`)).toBe(true);
      expect(err).toMatchObject({ kind: 'api', errcode, errmsg });
      const everything = `${String(err)} ${(err as Error).stack} ${JSON.stringify(err)}`;
      expect(everything).not.toContain(DEMO.secret);
    },
  );

  it('when the code is empty, then INVALID_ARGUMENT and nothing is sent', async () => {
    const err = await api.code2Session('').catch((e: unknown) => e);
    expect(isWxPayError(err, 'INVALID_ARGUMENT')).toBe(true);
    expect(wechat.requests).toHaveLength(0);
  });

  it('when the reply is not JSON, then WX_BAD_RESPONSE', async () => {
    wechat.route('GET', '/sns/jscode2session', (_req, res) => replyText(res, '<html>busy</html>'));
    const err = await api.code2Session('CODE1').catch((e: unknown) => e);
    expect(isWxPayError(err, 'WX_BAD_RESPONSE')).toBe(true);
  });
});

describe('oauthAccessToken', () => {
  it('when the OAuth code is valid, then it returns openid and the user token fields', async () => {
    wechat.route('GET', '/sns/oauth2/access_token', (_req, res) =>
      replyJson(res, {
        access_token: 'OAUTH_TOKEN',
        expires_in: 7200,
        refresh_token: 'REFRESH',
        openid: 'o_oa',
        scope: 'snsapi_base',
      }),
    );
    await expect(api.oauthAccessToken('OACODE')).resolves.toEqual({
      access_token: 'OAUTH_TOKEN',
      expires_in: 7200,
      refresh_token: 'REFRESH',
      openid: 'o_oa',
      scope: 'snsapi_base',
    });
    expect(wechat.calls('/sns/oauth2/access_token')[0]?.query.code).toBe('OACODE');
  });
});

describe('access_token', () => {
  it('when asked twice within its life, then it is fetched once', async () => {
    serveTokens();
    expect(await api.getAccessToken()).toBe('TOKEN_1');
    now += HOUR;
    expect(await api.getAccessToken()).toBe('TOKEN_1');
    expect(wechat.calls('/cgi-bin/token')).toHaveLength(1);
    expect(wechat.calls('/cgi-bin/token')[0]?.query).toEqual({
      grant_type: 'client_credential',
      appid: DEMO.appId,
      secret: DEMO.secret,
    });
  });

  it('when 5 minutes remain before expiry, then it is refreshed early', async () => {
    serveTokens();
    await api.getAccessToken();
    now = START + 7200_000 - 5 * 60_000 - 1;
    expect(await api.getAccessToken()).toBe('TOKEN_1');
    now = START + 7200_000 - 5 * 60_000;
    expect(await api.getAccessToken()).toBe('TOKEN_2');
    expect(wechat.calls('/cgi-bin/token')).toHaveLength(2);
  });

  it('when the cached token has expired, then a new one is fetched', async () => {
    serveTokens();
    await api.getAccessToken();
    now = START + 3 * HOUR;
    expect(await api.getAccessToken()).toBe('TOKEN_2');
  });

  it('when 50 callers ask at once, then WeChat is asked once and all get the same token', async () => {
    serveTokens(100);
    const tokens = await Promise.all(Array.from({ length: 50 }, () => api.getAccessToken()));
    expect(new Set(tokens)).toEqual(new Set(['TOKEN_1']));
    expect(wechat.calls('/cgi-bin/token')).toHaveLength(1);
  });

  it('when the token endpoint fails, then the api error reaches every waiting caller and nothing is cached', async () => {
    wechat.route('GET', '/cgi-bin/token', async (_req, res) => {
      await delay(50);
      replyJson(res, { errcode: 40013, errmsg: 'invalid appid' });
    });
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => api.getAccessToken()));
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect(isWxPayError((result as PromiseRejectedResult).reason, 'WX_40013')).toBe(true);
    }
    expect(wechat.calls('/cgi-bin/token')).toHaveLength(1);
    serveTokens();
    expect(await api.getAccessToken()).toBe('TOKEN_1');
  });

  it('when an API answers 40001, then the token is refreshed once and the call retried with it', async () => {
    serveTokens();
    let current = 'TOKEN_1';
    serveMessageApi(() => current);
    await api.getAccessToken();
    current = 'TOKEN_2'; // someone else's fetch retired TOKEN_1
    const used: string[] = [];
    const result = await api.callWithAccessToken((token) => {
      used.push(token);
      return sendMessage(token);
    });
    expect(result).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(used).toEqual(['TOKEN_1', 'TOKEN_2']);
    expect(wechat.calls('/cgi-bin/token')).toHaveLength(2);
    expect(await api.getAccessToken()).toBe('TOKEN_2');
  });

  it('when the retried call is refused again, then its answer is returned without a second refresh', async () => {
    serveTokens();
    serveMessageApi(() => 'NEVER');
    const result = await api.callWithAccessToken(sendMessage);
    expect(result.errcode).toBe(40001);
    expect(wechat.calls('/cgi-bin/token')).toHaveLength(2);
    expect(wechat.calls('/cgi-bin/message/custom/send')).toHaveLength(2);
  });

  it('when the call throws an api error 42001, then it is retried once with a fresh token', async () => {
    serveTokens();
    const { wxPayError } = await import('../src/errors.js');
    const result = await api.callWithAccessToken(async (token) => {
      if (token === 'TOKEN_1') throw wxPayError('api', 'WX_42001', 'expired', { errcode: 42001 });
      return token;
    });
    expect(result).toBe('TOKEN_2');
  });

  it('when the early renewal fails, then the still-valid token is served and the next call renews', async () => {
    serveTokens();
    await api.getAccessToken();
    wechat.route('GET', '/cgi-bin/token', (_req, res) =>
      replyJson(res, { errcode: -1, errmsg: 'system busy' }),
    );
    now = START + 7200_000 - 60_000; // inside the refresh window, before expiry
    expect(await api.getAccessToken()).toBe('TOKEN_1');
    now = START + 7200_000; // expired: nothing valid is left to serve
    await expect(api.getAccessToken()).rejects.toSatisfy((err) => isWxPayError(err, 'WX_MINUS_1'));
  });

  it('when WeChat refuses the token with 40001 and the refetch fails, then the dead token is not served again', async () => {
    serveTokens();
    serveMessageApi(() => 'NEVER');
    await api.getAccessToken();
    wechat.route('GET', '/cgi-bin/token', (_req, res) =>
      replyJson(res, { errcode: -1, errmsg: 'system busy' }),
    );
    await expect(api.callWithAccessToken(sendMessage)).rejects.toSatisfy((err) =>
      isWxPayError(err, 'WX_MINUS_1'),
    );
    serveTokens();
    expect(await api.getAccessToken()).toBe('TOKEN_1'); // a fresh fetch: the counter restarted
    expect(wechat.calls('/cgi-bin/token')).toHaveLength(3);
  });

  it('when the token is invalidated, then the next call fetches a new one', async () => {
    serveTokens();
    await api.getAccessToken();
    await api.invalidateAccessToken();
    expect(await api.getAccessToken()).toBe('TOKEN_2');
  });
});

describe('stable_token', () => {
  it('when asked normally, then force_refresh is false and the token is cached; forced, then true', async () => {
    let issued = 0;
    wechat.route('POST', '/cgi-bin/stable_token', (_req, res) => {
      issued += 1;
      replyJson(res, { access_token: `STABLE_${issued}`, expires_in: 7200 });
    });
    expect(await api.getStableAccessToken()).toBe('STABLE_1');
    expect(await api.getStableAccessToken()).toBe('STABLE_1');
    expect(await api.getStableAccessToken({ forceRefresh: true })).toBe('STABLE_2');
    expect(await api.getStableAccessToken()).toBe('STABLE_2');
    const bodies = wechat.calls('/cgi-bin/stable_token').map((r) => JSON.parse(r.body) as unknown);
    expect(bodies).toEqual([
      {
        grant_type: 'client_credential',
        appid: DEMO.appId,
        secret: DEMO.secret,
        force_refresh: false,
      },
      {
        grant_type: 'client_credential',
        appid: DEMO.appId,
        secret: DEMO.secret,
        force_refresh: true,
      },
    ]);
  });
});

describe('jsapi_ticket', () => {
  it('when asked twice, then it is fetched once with the access_token and type=jsapi', async () => {
    serveTokens();
    wechat.route('GET', '/cgi-bin/ticket/getticket', (_req, res) =>
      replyJson(res, { errcode: 0, errmsg: 'ok', ticket: 'TICKET_1', expires_in: 7200 }),
    );
    expect(await api.getJsapiTicket()).toBe('TICKET_1');
    expect(await api.getJsapiTicket()).toBe('TICKET_1');
    const calls = wechat.calls('/cgi-bin/ticket/getticket');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.query).toEqual({ access_token: 'TOKEN_1', type: 'jsapi' });
  });

  it('when getticket says the access_token is invalid, then the token is refreshed and the ticket fetched', async () => {
    serveTokens();
    await api.getAccessToken();
    wechat.route('GET', '/cgi-bin/ticket/getticket', (req, res) =>
      replyJson(
        res,
        req.query.access_token === 'TOKEN_2'
          ? { errcode: 0, errmsg: 'ok', ticket: 'TICKET_A', expires_in: 7200 }
          : { errcode: 40001, errmsg: 'invalid credential' },
      ),
    );
    expect(await api.getJsapiTicket()).toBe('TICKET_A');
    expect(wechat.calls('/cgi-bin/token')).toHaveLength(2);
  });
});

describe('options', () => {
  it('when appId and secret are both wrong, then one config error names both', () => {
    let err: unknown;
    try {
      createWeChatApi({ appId: 'wx123', secret: '' });
    } catch (e) {
      err = e;
    }
    expect(isWxPayError(err, 'INVALID_OPTIONS')).toBe(true);
    expect((err as Error).message).toMatch(/appId/);
    expect((err as Error).message).toMatch(/secret/);
  });
});
