import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MERCHANT, createSandbox } from '../src/index.js';
import type { Sandbox } from '../src/index.js';
import { json, postPay, send } from './support/http.js';
import { createOrder, tradeNo } from './support/orders.js';
import { DEMO, signed } from './support/wire.js';

let sandbox: Sandbox;
const logs: { level: string; msg: string }[] = [];
beforeAll(async () => {
  sandbox = await createSandbox({ logger: (entry) => logs.push(entry) });
});
afterAll(() => sandbox.close());
const control = (path: string, body?: unknown, method?: string) =>
  json(`${sandbox.url}/__sandbox${path}`, body, method);

describe('control API', () => {
  it('when health is asked, then {ok: true}; the demo merchant is the default', async () => {
    expect((await control('/health')).body).toEqual({ ok: true });
    expect(DEMO_MERCHANT).toMatchObject({
      mchId: DEMO.mchId,
      key: DEMO.key,
      appId: DEMO.appId,
      appSecret: DEMO.secret,
    });
    // The mini-program, the official account and the mobile app, all bound to the merchant.
    const appIds = [DEMO.appId, 'wxfe00000000000002', 'wxfe00000000000003'];
    expect((await control('/apps')).body).toEqual({
      apps: appIds,
      merchants: [{ mch_id: DEMO.mchId, appids: appIds }],
    });
    expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sandbox.tlsUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(sandbox.caCert).toContain('BEGIN CERTIFICATE');
  });

  it('when orders are listed, then pending ones come first with their prepay_id, state and amount', async () => {
    const pending = await createOrder(sandbox);
    const paid = await createOrder(sandbox);
    sandbox.pay(paid.reply.prepay_id!);
    const { body } = await control('/orders');
    const mine = body.orders.filter((o: { out_trade_no: string }) =>
      [pending.fields.out_trade_no, paid.fields.out_trade_no].includes(o.out_trade_no),
    );
    expect(mine.map((o: { trade_state: string }) => o.trade_state)).toEqual(['NOTPAY', 'SUCCESS']);
    expect(mine[0]).toMatchObject({
      prepay_id: pending.reply.prepay_id,
      total_fee: 1990,
      trade_type: 'JSAPI',
      appid: DEMO.appId,
      mch_id: DEMO.mchId,
    });
    expect(mine[1].transaction_id).toMatch(/^\d{28}$/);
    expect(JSON.stringify(body)).not.toContain(DEMO.key);
    const one = await control(`/orders?out_trade_no=${paid.fields.out_trade_no}`);
    expect(one.body.orders).toHaveLength(1);
  });

  it('when the payer acts over the control API, then the outcomes and refusals are as documented', async () => {
    const { reply } = await createOrder(sandbox);
    expect(
      (await control('/pay', { prepay_id: reply.prepay_id, outcome: 'insufficient_funds' })).body,
    ).toMatchObject({ trade_state: 'NOTPAY' });
    expect(
      (await control('/pay', { prepay_id: reply.prepay_id, outcome: 'cancel' })).body,
    ).toMatchObject({ trade_state: 'NOTPAY' });
    const ok = await control('/pay', { prepay_id: reply.prepay_id, outcome: 'success' });
    expect(ok.body).toMatchObject({
      trade_state: 'SUCCESS',
      transaction_id: expect.stringMatching(/^\d{28}$/),
    });
    expect((await control('/pay', { prepay_id: reply.prepay_id })).status).toBe(409);
    expect((await control('/pay', { prepay_id: 'wx-nope' })).status).toBe(404);
    expect(
      (await control('/pay', { prepay_id: reply.prepay_id, outcome: 'maybe' })).body.error.code,
    ).toBe('INVALID_OUTCOME');
    expect((await control('/pay', {})).status).toBe(400);
    const attempts = (await control(`/orders?out_trade_no=${ok.body.out_trade_no}`)).body.orders[0]
      .pay_attempts;
    expect(attempts.map((a: { outcome: string }) => a.outcome)).toEqual([
      'insufficient_funds',
      'cancel',
      'success',
    ]);
  });

  it('when a NATIVE code_url is paid (as when scanned), then its order is paid', async () => {
    const { reply } = await createOrder(sandbox, {
      trade_type: 'NATIVE',
      openid: '',
      product_id: 'SKU',
    });
    const res = await control('/pay', { code_url: reply.code_url, outcome: 'success' });
    expect(res.body.trade_state).toBe('SUCCESS');
  });

  it('when the clock is advanced, then the sandbox time moves and bad advances are refused', async () => {
    const before = Date.parse((await control('/clock')).body.now);
    const res = await control('/clock', { advanceSeconds: 3600 });
    expect(Date.parse(res.body.now) - before).toBeGreaterThanOrEqual(3600_000);
    expect(res.body.offsetSeconds).toBe(3600);
    expect((await control('/clock', { advanceSeconds: -5 })).status).toBe(400);
    expect((await control('/clock', { advanceSeconds: 'soon' })).status).toBe(400);
  });

  it('when the page is opened, then it is the payer page; unknown paths are 404', async () => {
    const page = await send(`${sandbox.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('Fen WeChat sandbox');
    expect(page.text).toContain("'/pay'");
    expect((await send(`${sandbox.url}/nope`)).status).toBe(404);
  });

  it('when the sandbox logs, then no key or secret appears', () => {
    const text = JSON.stringify(logs);
    expect(logs.some((l) => l.msg === 'order created')).toBe(true);
    expect(text).not.toContain(DEMO.key);
    expect(text).not.toContain(DEMO.secret);
  });
});

describe('createSandbox options', () => {
  it('when options are invalid, then one error lists every problem', async () => {
    await expect(
      createSandbox({
        port: -1,
        timeScale: -1,
        merchants: [{ mchId: 'x', key: 'short', appIds: ['nope'] }],
      }),
    ).rejects.toThrow(/port.*timeScale.*mch_id.*key.*appid/s);
  });

  it('when the configured port is taken, then createSandbox rejects and leaves nothing listening', async () => {
    await expect(createSandbox({ port: sandbox.port })).rejects.toThrow(/EADDRINUSE/);
  });
});

/** `pnpm sandbox` as a child process with `env` added; resolves once it printed its URL. */
async function startSandboxProcess(env: Record<string, string>) {
  const child = spawn(process.execPath, [new URL('../dist/main.js', import.meta.url).pathname], {
    env: { ...process.env, SANDBOX_PORT: '0', SANDBOX_TLS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 10_000);
    child.stdout.on('data', () => {
      const m = /WeChat APIs \+ payer page\s+(http:\/\/\S+?)\/\s/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  return { url, output: () => out, stop: () => (child.kill('SIGTERM'), exit) };
}

describe('pnpm sandbox (dist/main.js)', () => {
  it('when started with SANDBOX_PORT=0, then it prints its URLs, answers health, and stops on SIGTERM', async () => {
    const running = await startSandboxProcess({ SANDBOX_TIME_SCALE: '0.001' });
    expect(running.output()).toMatch(/https:\/\/127\.0\.0\.1:\d+/);
    expect((await json(`${running.url}/__sandbox/health`)).body).toEqual({ ok: true });
    expect(await running.stop()).toBe(0);
  }, 15_000);

  it('when SANDBOX_CONFIG names a merchants file, then it plays those merchants instead of the demo one', async () => {
    const merchant = {
      mchId: '1230000109',
      key: 'othermerchantkey0123456789abcdef',
      appIds: ['wxab00000000000002'],
    };
    const dir = mkdtempSync(join(tmpdir(), 'fen-sandbox-config-'));
    const file = join(dir, 'sandbox.json');
    writeFileSync(
      file,
      JSON.stringify({
        merchants: [merchant],
        apps: [{ appId: 'wxab00000000000002', secret: 'othersecret' }],
      }),
    );
    const running = await startSandboxProcess({ SANDBOX_CONFIG: file });
    try {
      expect(running.output()).toContain('mch_id 1230000109');
      const code = (
        await json(`${running.url}/__sandbox/login-code`, {
          appid: 'wxab00000000000002',
          user: 'bob',
        })
      ).body as { openid: string };
      const order = {
        appid: 'wxab00000000000002',
        mch_id: merchant.mchId,
        ...jsapiOrderFields(code.openid),
      };
      const ok = await postPay(
        `${running.url}/pay/unifiedorder`,
        signed(order, 'MD5', merchant.key),
      );
      expect(ok.reply).toMatchObject({ return_code: 'SUCCESS', result_code: 'SUCCESS' });
      const demo = await postPay(
        `${running.url}/pay/unifiedorder`,
        signed(jsapiOrderFields(code.openid)),
      );
      expect(demo.reply.result_code ?? demo.reply.return_code).not.toBe('SUCCESS');
    } finally {
      expect(await running.stop()).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 15_000);

  it('when SANDBOX_CONFIG is not valid JSON, then it exits non-zero naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fen-sandbox-config-'));
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ merchants: ');
    const child = spawn(process.execPath, [new URL('../dist/main.js', import.meta.url).pathname], {
      env: { ...process.env, SANDBOX_PORT: '0', SANDBOX_TLS_PORT: '0', SANDBOX_CONFIG: file },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
    expect(code).not.toBe(0);
    expect(err).toContain(`SANDBOX_CONFIG ${file}`);
  }, 15_000);
});

/** A JSAPI unifiedorder's business fields for `openid`. */
function jsapiOrderFields(openid: string) {
  return {
    body: 'Fen 帆布包',
    out_trade_no: tradeNo('CFG'),
    total_fee: '1990',
    spbill_create_ip: '127.0.0.1',
    notify_url: 'http://127.0.0.1:9/notify',
    trade_type: 'JSAPI',
    openid,
  };
}
