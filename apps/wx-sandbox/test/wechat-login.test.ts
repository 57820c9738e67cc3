import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox } from '../src/index.js';
import type { Sandbox } from '../src/index.js';
import { json, send } from './support/http.js';
import { DEMO } from './support/wire.js';

const OTHER_APP = {
  appId: 'wxfe00000000000002',
  secret: '0123456789abcdef0123456789abcdef',
  unionId: true,
};

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await createSandbox({
    apps: [{ appId: DEMO.appId, secret: DEMO.secret }, OTHER_APP],
    merchants: [{ mchId: DEMO.mchId, key: DEMO.key, appIds: [DEMO.appId] }],
  });
});
afterAll(() => sandbox.close());

const code2Session = (q: Record<string, string>) =>
  json(
    `${sandbox.url}/sns/jscode2session?${new URLSearchParams({ grant_type: 'authorization_code', ...q })}`,
  );
const loginCode = async (user: string, appid = DEMO.appId) =>
  (await json(`${sandbox.url}/__sandbox/login-code`, { appid, user })).body as {
    code: string;
    openid: string;
  };

describe('GET /sns/jscode2session', () => {
  it('when a fresh code is exchanged, then it yields the openid of that user and a session_key, once', async () => {
    const { code, openid } = await loginCode('alice');
    const first = await code2Session({ appid: DEMO.appId, secret: DEMO.secret, js_code: code });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      openid,
      session_key: expect.stringMatching(/^[A-Za-z0-9+/]{22}==$/),
    });
    expect(first.body.errcode).toBeUndefined();
    const again = await code2Session({ appid: DEMO.appId, secret: DEMO.secret, js_code: code });
    expect(again.body.errcode).toBe(40163);
    expect(again.body.errmsg).toMatch(/^code been used, rid: /);
  });

  it('when the same user logs in twice in one app, then the openid is the same; in another app it differs', async () => {
    const a = await loginCode('bob');
    const b = await loginCode('bob');
    const other = await loginCode('bob', OTHER_APP.appId);
    expect(a.code).not.toBe(b.code);
    expect(a.openid).toBe(b.openid);
    expect(a.openid).toHaveLength(28);
    expect(other.openid).not.toBe(a.openid);
    expect((await loginCode('carol')).openid).not.toBe(a.openid);
  });

  it('when the app is bound to an open platform, then a unionid shared across apps comes back', async () => {
    const { code } = await loginCode('dave', OTHER_APP.appId);
    const res = await code2Session({
      appid: OTHER_APP.appId,
      secret: OTHER_APP.secret,
      js_code: code,
    });
    expect(res.body.unionid).toMatch(/^oU/);
  });

  it('when a code is older than 5 minutes, then it is invalid (40029)', async () => {
    const { code } = await loginCode('erin');
    sandbox.advanceClock(301);
    const res = await code2Session({ appid: DEMO.appId, secret: DEMO.secret, js_code: code });
    expect(res.body.errcode).toBe(40029);
  });

  it('when a code is used under 5 minutes, then it still works', async () => {
    const { code } = await loginCode('erin');
    sandbox.advanceClock(290);
    const res = await code2Session({ appid: DEMO.appId, secret: DEMO.secret, js_code: code });
    expect(res.body.openid).toBeDefined();
  });

  it("when the query is wrong, then WeChat's errcodes come back in order", async () => {
    const { code } = await loginCode('frank');
    const cases: [Record<string, string>, number][] = [
      [{ secret: DEMO.secret, js_code: code }, 41002],
      [{ appid: DEMO.appId, js_code: code }, 41004],
      [{ appid: DEMO.appId, secret: DEMO.secret }, 41008],
      [{ appid: DEMO.appId, secret: DEMO.secret, js_code: code, grant_type: 'password' }, 40002],
      [{ appid: 'wxfe0000000000ffff', secret: DEMO.secret, js_code: code }, 40013],
      [{ appid: DEMO.appId, secret: OTHER_APP.secret, js_code: code }, 40125],
      [{ appid: OTHER_APP.appId, secret: OTHER_APP.secret, js_code: code }, 40029],
      [{ appid: DEMO.appId, secret: DEMO.secret, js_code: 'not-a-code' }, 40029],
    ];
    for (const [query, errcode] of cases) {
      const res = await code2Session(query);
      expect(res.status).toBe(200);
      expect({ query, errcode: res.body.errcode }).toEqual({ query, errcode });
    }
    // None of those consumed the code.
    const ok = await code2Session({ appid: DEMO.appId, secret: DEMO.secret, js_code: code });
    expect(ok.body.openid).toBeDefined();
  });

  it('when the control API is asked for an unknown appid or no user, then it answers 400', async () => {
    expect(
      (await json(`${sandbox.url}/__sandbox/login-code`, { appid: 'wxnope', user: 'x' })).status,
    ).toBe(400);
    expect((await json(`${sandbox.url}/__sandbox/login-code`, { appid: DEMO.appId })).status).toBe(
      400,
    );
    expect((await send(`${sandbox.url}/__sandbox/login-code`, { body: '{oops' })).status).toBe(400);
  });
});

describe('GET /sns/oauth2/access_token', () => {
  it('when an OAuth code is exchanged, then it yields the openid, a token and the scope, once', async () => {
    const issued = (
      await json(`${sandbox.url}/__sandbox/oauth-code`, { appid: DEMO.appId, user: 'gina' })
    ).body;
    const url = `${sandbox.url}/sns/oauth2/access_token?${new URLSearchParams({
      appid: DEMO.appId,
      secret: DEMO.secret,
      code: issued.code,
      grant_type: 'authorization_code',
    })}`;
    const res = await json(url);
    expect(res.body).toMatchObject({
      openid: issued.openid,
      expires_in: 7200,
      scope: 'snsapi_base',
    });
    expect(res.body.access_token).toBeTruthy();
    expect(res.body.refresh_token).toBeTruthy();
    expect((await json(url)).body.errcode).toBe(40163);
  });

  it('when the code is unknown, then 40029 invalid code', async () => {
    const res = await json(
      `${sandbox.url}/sns/oauth2/access_token?appid=${DEMO.appId}&secret=${DEMO.secret}&code=nope&grant_type=authorization_code`,
    );
    expect(res.body).toMatchObject({ errcode: 40029 });
  });
});

describe('access_token, stable_token and jsapi_ticket', () => {
  const tokenUrl = (secret = DEMO.secret, appid = DEMO.appId) =>
    `${sandbox.url}/cgi-bin/token?grant_type=client_credential&appid=${appid}&secret=${secret}`;
  const ticket = (token: string) =>
    json(`${sandbox.url}/cgi-bin/ticket/getticket?access_token=${token}&type=jsapi`);

  it('when a token is fetched, then it lasts 7200 s and gets a jsapi ticket that stays the same while valid', async () => {
    const { body } = await json(tokenUrl());
    expect(body.expires_in).toBe(7200);
    expect(body.access_token.length).toBeGreaterThan(100);
    const t1 = await ticket(body.access_token);
    expect(t1.body).toMatchObject({ errcode: 0, errmsg: 'ok', expires_in: 7200 });
    const t2 = await ticket(body.access_token);
    expect(t2.body.ticket).toBe(t1.body.ticket);
  });

  it('when a new token is fetched, then the old one works 5 more minutes and then fails with 40001', async () => {
    const old = (await json(tokenUrl())).body.access_token;
    const fresh = (await json(tokenUrl())).body.access_token;
    expect(fresh).not.toBe(old);
    expect((await ticket(old)).body.errcode).toBe(0);
    sandbox.advanceClock(299);
    expect((await ticket(old)).body.errcode).toBe(0);
    sandbox.advanceClock(2);
    expect((await ticket(old)).body.errcode).toBe(40001);
    expect((await ticket(fresh)).body.errcode).toBe(0);
  });

  it('when a token is older than 7200 s, then it is expired (42001)', async () => {
    const token = (await json(tokenUrl())).body.access_token;
    sandbox.advanceClock(7200);
    expect((await ticket(token)).body.errcode).toBe(42001);
  });

  it("when the credentials or the token are wrong, then WeChat's errcodes come back", async () => {
    expect((await json(tokenUrl('wrong'))).body.errcode).toBe(40125);
    expect((await json(tokenUrl(DEMO.secret, 'wxfe0000000000ffff'))).body.errcode).toBe(40013);
    expect(
      (await json(`${sandbox.url}/cgi-bin/token?appid=${DEMO.appId}&secret=${DEMO.secret}`)).body
        .errcode,
    ).toBe(40002);
    expect((await json(`${sandbox.url}/cgi-bin/ticket/getticket?type=jsapi`)).body.errcode).toBe(
      41001,
    );
    expect((await ticket('forged')).body.errcode).toBe(40001);
    const token = (await json(tokenUrl())).body.access_token;
    expect(
      (await json(`${sandbox.url}/cgi-bin/ticket/getticket?access_token=${token}&type=nope`)).body
        .errcode,
    ).toBe(40097);
  });

  it('when stable_token is called twice, then it returns the same token; force_refresh replaces it, 30 s apart', async () => {
    const call = (body: unknown) => json(`${sandbox.url}/cgi-bin/stable_token`, body);
    const base = { grant_type: 'client_credential', appid: DEMO.appId, secret: DEMO.secret };
    const first = (await call(base)).body;
    expect(first.expires_in).toBeGreaterThan(7000);
    const second = (await call({ ...base, force_refresh: false })).body;
    expect(second.access_token).toBe(first.access_token);
    // Separate from /cgi-bin/token: a normal token does not disturb it.
    await json(tokenUrl());
    expect((await ticket(first.access_token)).body.errcode).toBe(0);
    sandbox.advanceClock(31);
    const forced = (await call({ ...base, force_refresh: true })).body;
    expect(forced.access_token).not.toBe(first.access_token);
    expect((await ticket(first.access_token)).body.errcode).toBe(40001);
    expect((await call({ ...base, force_refresh: true })).body.errcode).toBe(45011);
    // Near expiry it is renewed; the old one still works until it expires.
    sandbox.advanceClock(7200 - 200);
    const renewed = (await call(base)).body;
    expect(renewed.access_token).not.toBe(forced.access_token);
    expect((await ticket(forced.access_token)).body.errcode).toBe(0);
  });

  it('when stable_token gets a bad body or a GET, then 47001 / 43002', async () => {
    expect((await send(`${sandbox.url}/cgi-bin/stable_token`, { body: 'nope' })).text).toContain(
      '47001',
    );
    expect((await json(`${sandbox.url}/cgi-bin/stable_token`)).body.errcode).toBe(43002);
    expect(
      (
        await json(`${sandbox.url}/cgi-bin/stable_token`, {
          grant_type: 'client_credential',
          appid: DEMO.appId,
          secret: 'x',
        })
      ).body.errcode,
    ).toBe(40125);
  });
});
