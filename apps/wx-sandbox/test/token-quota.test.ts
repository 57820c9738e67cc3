import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readSandboxConfigFile } from '../src/config-file.js';
import { createSandbox } from '../src/index.js';
import type { Sandbox } from '../src/index.js';
import { json } from './support/http.js';
import { DEMO } from './support/wire.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await createSandbox({
    apps: [{ appId: DEMO.appId, secret: DEMO.secret }],
    merchants: [{ mchId: DEMO.mchId, key: DEMO.key, appIds: [DEMO.appId] }],
    tokenQuotaPerDay: { token: 3 },
  });
});
afterAll(() => sandbox.close());
beforeEach(() => json(`${sandbox.url}/__sandbox/token-quota`, undefined, 'DELETE'));

const token = () =>
  json(
    `${sandbox.url}/cgi-bin/token?${new URLSearchParams({ grant_type: 'client_credential', appid: DEMO.appId, secret: DEMO.secret })}`,
  );
const ticket = (accessToken: string) =>
  json(`${sandbox.url}/cgi-bin/ticket/getticket?access_token=${accessToken}&type=jsapi`);
const clearV2 = (body: object) => json(`${sandbox.url}/cgi-bin/clear_quota/v2`, body);
const setQuota = (limits: object) => json(`${sandbox.url}/__sandbox/token-quota`, limits, 'PUT');

describe('the daily token quota', () => {
  it('when an app has fetched its daily quota of access_tokens, then the next fetch is 45009 until the next Beijing day', async () => {
    for (let i = 0; i < 3; i += 1) expect((await token()).body.access_token).toBeTruthy();
    const refused = await token();
    expect(refused.body.errcode).toBe(45009);
    expect(refused.body.errmsg).toMatch(/^reach max api daily quota limit, rid: /);
    expect((await json(`${sandbox.url}/__sandbox/token-quota`)).body.used).toEqual({
      [DEMO.appId]: { token: 3 },
    });
    sandbox.advanceClock(86_400);
    expect((await token()).body.access_token).toBeTruthy();
  });

  it('when the control API sets the ticket quota to 1, then the second getticket is 45009, and a token still works', async () => {
    expect((await setQuota({ ticket: 1 })).body.limits).toEqual({ token: 3, ticket: 1 });
    const accessToken = (await token()).body.access_token as string;
    expect((await ticket(accessToken)).body.errcode).toBe(0);
    expect((await ticket(accessToken)).body.errcode).toBe(45009);
    expect((await token()).body.access_token).toBeTruthy();
  });

  it('when the control API gets a bad limit, then it refuses it and the limits stay', async () => {
    const res = await setQuota({ token: -1, calls: 5 });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_QUOTA');
    expect((await json(`${sandbox.url}/__sandbox/token-quota`)).body.limits).toEqual({
      token: 3,
      ticket: 2000,
    });
  });
});

describe('POST /cgi-bin/clear_quota/v2 and /cgi-bin/clear_quota', () => {
  it('when the quota is used up and it is cleared with the AppSecret, then fetching works again', async () => {
    await setQuota({ token: 1 });
    await token();
    expect((await token()).body.errcode).toBe(45009);
    expect((await clearV2({ appid: DEMO.appId, appsecret: DEMO.secret })).body).toEqual({
      errcode: 0,
      errmsg: 'ok',
    });
    expect((await token()).body.access_token).toBeTruthy();
  });

  it('when the AppSecret is wrong or missing, then nothing is cleared', async () => {
    await setQuota({ token: 1 });
    await token();
    expect((await clearV2({ appid: DEMO.appId, appsecret: 'x'.repeat(32) })).body.errcode).toBe(
      40125,
    );
    expect((await clearV2({ appid: DEMO.appId })).body.errcode).toBe(41004);
    expect(
      (await clearV2({ appid: 'wx0000000000000000', appsecret: DEMO.secret })).body.errcode,
    ).toBe(40013);
    const get = await json(`${sandbox.url}/cgi-bin/clear_quota/v2`);
    expect(get.body.errcode).toBe(43002);
    expect((await token()).body.errcode).toBe(45009);
  });

  it("when clear_quota is called with the app's access_token, then the quota is cleared", async () => {
    await setQuota({ token: 1 });
    const accessToken = (await token()).body.access_token as string;
    expect((await token()).body.errcode).toBe(45009);
    const url = `${sandbox.url}/cgi-bin/clear_quota?access_token=${accessToken}`;
    expect((await json(url, { appid: DEMO.appId })).body.errcode).toBe(0);
    expect((await token()).body.access_token).toBeTruthy();
    expect(
      (await json(`${sandbox.url}/cgi-bin/clear_quota`, { appid: DEMO.appId })).body.errcode,
    ).toBe(41001);
  });

  it('when an app has cleared its quota 10 times this month, then the 11th is 48006', async () => {
    for (let i = 0; i < 10; i += 1) {
      expect((await clearV2({ appid: DEMO.appId, appsecret: DEMO.secret })).body.errcode).toBe(0);
    }
    expect((await clearV2({ appid: DEMO.appId, appsecret: DEMO.secret })).body.errcode).toBe(48006);
    expect((await json(`${sandbox.url}/__sandbox/token-quota`)).body.clears).toEqual({
      [DEMO.appId]: 10,
    });
  });
});

describe('the quota option', () => {
  it('when it is not a count per API, then the sandbox refuses to start, naming it', async () => {
    await expect(createSandbox({ tokenQuotaPerDay: { token: 1.5 } })).rejects.toThrow(
      /tokenQuotaPerDay\.token must be an integer/,
    );
    await expect(
      createSandbox({ tokenQuotaPerDay: { calls: 1 } as unknown as { token: number } }),
    ).rejects.toThrow(/tokenQuotaPerDay\.calls is not a quota/);
  });

  it('when SANDBOX_CONFIG names a quota, then it is read with the apps', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fen-quota-'));
    try {
      const file = join(dir, 'sandbox.json');
      writeFileSync(file, JSON.stringify({ tokenQuotaPerDay: { ticket: 5 } }));
      expect(readSandboxConfigFile(file)).toEqual({ tokenQuotaPerDay: { ticket: 5 } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
