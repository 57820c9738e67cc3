import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { control, prepayIdOf } from './helpers/sandbox-control.js';
import { DEMO, call, startFenServer, startSandbox } from './helpers/stack.js';
import type { Sandbox, ServerUnderTest } from './helpers/stack.js';

// APIv3 only (the e2e-v3 project): WeChat does not sign the bill file, only its SHA1 in the
// signed tradebill reply. A file changed on the way must fail the day — retried, then `failed`,
// nothing repaired — and once the file arrives whole, the same day reconciles.

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
const beijingDate = (ms: number) => new Date(ms + 8 * HOUR_MS).toISOString().slice(0, 10);
const beijingMidnight = (ms: number) => Date.parse(`${beijingDate(ms)}T00:00:00+08:00`);

/**
 * A pass-through to the sandbox that keeps the Host header (so the download_url the sandbox
 * signs points back through it) and, while `damage` is set, adds a byte to every bill file's text.
 */
async function billDamagingProxy(target: string) {
  const state = { damage: true, damaged: 0 };
  const server = createServer((req, res) => {
    const upstream = httpRequest(
      new URL(req.url ?? '/', target),
      { method: req.method ?? 'GET', headers: req.headers },
      (reply) => {
        const chunks: Buffer[] = [];
        reply.on('data', (chunk: Buffer) => chunks.push(chunk));
        reply.on('end', () => {
          let body = Buffer.concat(chunks);
          if (state.damage && (req.url ?? '').startsWith('/v3/billdownload/file')) {
            // The hash is over the bill's text, so the change is made inside the gzip.
            const zipped = body[0] === 0x1f && body[1] === 0x8b;
            const text = zipped ? gunzipSync(body) : body;
            const damaged = Buffer.concat([text, Buffer.from('\n')]);
            body = zipped ? gzipSync(damaged) : damaged;
            state.damaged += 1;
          }
          const headers = { ...reply.headers };
          delete headers['content-length'];
          delete headers['transfer-encoding'];
          res.writeHead(reply.statusCode ?? 502, headers);
          res.end(body);
        });
      },
    );
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    state,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

let sandbox: Sandbox;
let proxy: Awaited<ReturnType<typeof billDamagingProxy>>;
let server: ServerUnderTest;
const clock = { now: () => sandbox.now() };

beforeAll(async () => {
  sandbox = await startSandbox(0.001);
  proxy = await billDamagingProxy(sandbox.url);
  server = await startFenServer(sandbox, {
    clock,
    wechatClock: clock,
    apiVersion: 'v3',
    env: {
      WXPAY_V3_API_BASE: proxy.url,
      BILL_RECONCILE_ATTEMPTS: '2',
      BILL_RECONCILE_BACKOFF_MS: '10',
    },
  });
}, 30_000);

afterAll(async () => {
  await server?.close();
  await proxy?.close();
  await sandbox?.close();
});

describe('an APIv3 bill file that is not what WeChat signed', () => {
  it('when the file is off its SHA1, then the day fails with nothing repaired; whole, it reconciles', async () => {
    const wechat = control(sandbox);
    // Noon, Beijing time, the next day: a lost payment.
    const now = sandbox.now().getTime();
    sandbox.advanceClock((beijingMidnight(now) + DAY_MS + 12 * HOUR_MS - now) / 1000);
    const day = beijingDate(sandbox.now().getTime());
    const { code } = await wechat.loginCode(`bill-v3-${randomUUID()}`);
    const token = (await call(`${server.url}/api/session`, { body: { code } })).body.token;
    const created = await call(`${server.url}/api/orders`, {
      token,
      body: { items: [{ productId: 'jasmine-tea', quantity: 1 }] },
    });
    expect(created.status).toBe(201);
    const { order, payParams } = created.body;
    await wechat.setFaults({ dropNotifications: { outTradeNo: order.outTradeNo } });
    await wechat.pay(prepayIdOf(payParams));
    sandbox.advanceClock(23 * 3600);

    const run = () =>
      call(`${server.url}/admin/reconciliations/${day}/run`, { token: DEMO.adminToken, body: {} });
    const models = server.running.runtime.db.models;
    const failed = await run();
    expect(failed.status).toBe(200);
    expect(failed.body.report).toMatchObject({ status: 'failed', attempts: 2, differences: [] });
    expect(failed.body.report.error).toMatch(/SHA1/);
    expect(proxy.state.damaged).toBe(2);
    const untouched = await models.Order.findById(order.id).lean();
    expect(untouched?.status).toBe('PENDING');
    expect(untouched?.timeline.map((e) => e.kind)).not.toContain('QUERY');

    proxy.state.damage = false;
    const whole = await run();
    expect(whole.body.report).toMatchObject({
      status: 'differences',
      api: 'v3',
      attempts: 1,
      runs: 2,
      rows: 1,
      differences: [
        expect.objectContaining({ kind: 'PAID_AT_WECHAT_PENDING_HERE', action: 'REPAIRED' }),
      ],
    });
    expect((await models.Order.findById(order.id).lean())?.status).toBe('PAID');
  });
});
