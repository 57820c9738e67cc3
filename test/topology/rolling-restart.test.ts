import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type {} from '../support/provided-context.js';
import { freePort } from '@fen/scripts/free-port.mjs';
import { ensureNginxInstalled, startNginx } from '@fen/scripts/nginx.mjs';
import type { NginxHandle } from '@fen/scripts/nginx.mjs';
import { eventually } from '@fen/test-support';
import { collectOutcome, paidButPending } from '../storm/support/outcomes.js';
import { mapPool, sleep } from '../storm/support/pool.js';
import { ServerProcess } from '../storm/support/server-process.js';
import { openStormDatabase } from '../storm/support/storm-database.js';
import type { StormDatabase } from '../storm/support/storm-database.js';
import type { OrderFate } from '../storm/support/storm-plan.js';
import { httpsClient } from './support/https-client.js';
import type { HttpsClient, Reply } from './support/https-client.js';
import { readUpstreamLog } from './support/nginx-log.js';
import { generateMerchant, productionEnv } from './support/production-env.js';
import { startSandboxProcess } from './support/sandbox-process.js';
import { watchStartup } from './support/startup-probe.js';
import type { SandboxProcess } from './support/sandbox-process.js';
import { createTestCa } from './support/test-ca.js';

// A small production, on this machine, with real parts (issue 15 §5): nginx terminating TLS with
// deploy/nginx/fen.conf (the guide's config) in front of two server processes in production
// mode, Redis, the database, and the sandbox playing WeChat over HTTPS at made-up public host
// names, notifying the shop's HTTPS notify URL through nginx. Under a steady stream of orders
// and payments, the two servers are restarted one after the other (SIGTERM, start again).
// Nothing may be lost or paid twice, and clients may see no 5xx: nginx's retries hide a stopped
// instance. Each restart also prints how long the instance accepted connections before it was
// ready (answering 503): a POST that nginx sends into that window reaches the client as a 503.
// Both instances must enforce one rate limit (it lives in Redis).

const DOMAIN = 'fen-topology.net';
const SHOP = `shop.${DOMAIN}`;
const WECHAT = {
  api: `api.weixin.${DOMAIN}`,
  oauth: `open.weixin.${DOMAIN}`,
  pay: `api.mch.${DOMAIN}`,
};
const PRELOAD = join(import.meta.dirname, 'support/resolve-to-loopback.mjs');

const SHOPPERS = 20;
const ORDERS = 200;
const STREAM_MS = 60_000;
/** Every tenth order is left unpaid: it must never become PAID. */
const fateOf = (index: number): OrderFate => (index % 10 === 9 ? 'never-paid' : 'pay');
const GUEST_LIMIT = 10;
const log = (line: string) => console.log(`[topology] ${line}`);

// nginx is installed here when missing (apt-get). Without it the test says why and skips,
// except in CI, where it must run.
let nginxBinary: string | undefined;
try {
  nginxBinary = await ensureNginxInstalled(log);
} catch (error) {
  if (process.env.CI === 'true') throw error;
  console.warn(`[topology] SKIPPED: nginx is not available (${(error as Error).message})`);
}

interface Shopper {
  client: HttpsClient;
  token: string;
}

/** What the clients (shoppers) saw go wrong: every 5xx and broken connection, with when. */
interface ClientFailure {
  what: string;
  seen: string;
  atMs: number;
}

describe.skipIf(!nginxBinary)(
  'production topology: nginx + two servers + Redis + database + WeChat over HTTPS',
  () => {
    let dir = '';
    let sandbox: SandboxProcess | undefined;
    let nginx: NginxHandle | undefined;
    let connection: Connection | undefined;
    let database: StormDatabase | undefined;
    let shopUrl = '';
    let ca: ReturnType<typeof createTestCa>;
    let merchant: ReturnType<typeof generateMerchant>;
    const servers: ServerProcess[] = [];
    const startedAt = Date.now();

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'fen-topology-'));
      ca = createTestCa(dir);
      merchant = generateMerchant();
      // WeChat issues the merchant API certificate with CN = mch_id; the "WeChat" here checks it.
      const merchantCert = ca.client(
        'apiclient_cert',
        `/C=CN/O=Fen topology test merchant/OU=Fen/CN=${merchant.mchId}`,
      );
      // Every process of the run: the made-up names resolve to this machine, the run's CA is
      // trusted as a public CA would be.
      const processEnv = {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        FEN_TOPOLOGY_DOMAIN: DOMAIN,
        NODE_OPTIONS: `--import=${PRELOAD}`,
        NODE_EXTRA_CA_CERTS: ca.caPath,
      };
      sandbox = await startSandboxProcess({
        dir,
        ca,
        hostNames: [WECHAT.pay, WECHAT.api, WECHAT.oauth],
        merchants: [{ mchId: merchant.mchId, key: merchant.key, appIds: [merchant.appId] }],
        apps: [{ appId: merchant.appId, secret: merchant.appSecret }],
        processEnv,
        timeScale: 1,
      });

      const ports = [await freePort(), await freePort()];
      const nginxPort = await freePort();
      const shopCert = ca.server('shop', [SHOP]);
      nginx = await startNginx({
        binary: nginxBinary as string,
        dir: join(dir, 'nginx'),
        values: {
          serverName: SHOP,
          listen: `127.0.0.1:${nginxPort}`,
          cert: shopCert.certPath,
          key: shopCert.keyPath,
          upstreams: ports.map((port) => `127.0.0.1:${port}`),
        },
      });
      shopUrl = `https://${SHOP}:${nginxPort}`;

      // The storm's database: MongoDB when the run has one, else FerretDB on PostgreSQL (on SQLite
      // every query but by _id scans its collection: far slower than any production database).
      database = await openStormDatabase();
      const env = productionEnv({
        merchant,
        publicUrl: shopUrl,
        wechat: {
          api: sandbox.base(WECHAT.api),
          oauth: sandbox.base(WECHAT.oauth),
          pay: sandbox.base(WECHAT.pay),
        },
        merchantCert,
        databaseUri: database.uri,
        redisUrl: inject('redisUrl'),
        redisKeyPrefix: `fen-topology-${merchant.mchId}:`,
        env: { GUEST_SESSIONS_PER_MINUTE: String(GUEST_LIMIT) },
      });
      ports.forEach((port, i) => {
        const name = `server-${i + 1}`;
        servers.push(
          new ServerProcess(name, port, { ...processEnv, ...env }, join(dir, `${name}.log`)),
        );
      });
      // One after the other: the first seeds the catalogue and creates the indexes.
      for (const server of servers) await server.start();
      connection = await mongoose
        .createConnection(database.uri, { serverSelectionTimeoutMS: 10_000 })
        .asPromise();
      log(
        `up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: ${shopUrl} → ${ports.join(', ')}`,
      );
    }, 60_000);

    afterAll(async () => {
      await Promise.allSettled(servers.map((server) => server.stop(15_000)));
      await nginx?.stop();
      await sandbox?.stop();
      await connection?.close();
      await database?.close().catch(() => {});
      // FEN_TOPOLOGY_KEEP=1 keeps the logs (servers, sandbox, nginx) to look at.
      if (dir && !process.env.FEN_TOPOLOGY_KEEP) rmSync(dir, { recursive: true, force: true });
      else if (dir) log(`logs kept in ${dir}`);
      log(`whole run ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    }, 40_000);

    it('loses no notification and pays no order twice while the servers restart one by one, and clients see no 5xx', async () => {
      const box = sandbox as SandboxProcess;
      const failures: ClientFailure[] = [];
      const t0 = Date.now();

      /** A client's call, retried as a phone's would be after a 5xx or a broken connection. */
      async function call(what: string, send: () => Promise<Reply>): Promise<Reply> {
        for (let attempt = 1; ; attempt += 1) {
          let seen: string;
          try {
            const reply = await send();
            if (reply.status < 500) return reply;
            seen = `HTTP ${reply.status} ${JSON.stringify(reply.body).slice(0, 200)}`;
          } catch (error) {
            seen = (error as Error).message;
          }
          failures.push({ what, seen, atMs: Date.now() - t0 });
          if (attempt === 10) throw new Error(`${what}: still failing after 10 attempts (${seen})`);
          await sleep(500 * attempt);
        }
      }

      const shoppers: Shopper[] = await mapPool(
        Array.from({ length: SHOPPERS }, (_, i) => i),
        10,
        async (i) => {
          // Each shopper on its own address, as phones are: per-address limits apply to each.
          const client = httpsClient(ca.ca, `127.0.0.${10 + i}`);
          const code = await box.loginCode(merchant.appId, `shopper-${i}`);
          const reply = await call(`session ${i}`, () =>
            client.send('POST', `${shopUrl}/api/session`, { body: { code } }),
          );
          expect(reply.status, JSON.stringify(reply.body)).toBe(200);
          return { client, token: reply.body.token as string };
        },
      );
      const catalogue = await (shoppers[0] as Shopper).client.send(
        'GET',
        `${shopUrl}/api/products`,
        {
          token: (shoppers[0] as Shopper).token,
        },
      );
      const productIds = (catalogue.body.products as Array<{ id: string }>).map((p) => p.id);
      expect(productIds.length).toBeGreaterThan(0);

      const fates = new Map<string, OrderFate>();
      async function placeAndPay(index: number): Promise<void> {
        const shopper = shoppers[index % SHOPPERS] as Shopper;
        const reply = await call(`order ${index}`, () =>
          shopper.client.send('POST', `${shopUrl}/api/orders`, {
            token: shopper.token,
            body: {
              items: [
                { productId: productIds[index % productIds.length], quantity: 1 + (index % 3) },
              ],
            },
            // A retry after a 5xx is the same order, never a second one.
            headers: { 'idempotency-key': `topology-order-${index}` },
          }),
        );
        expect(reply.status, `order ${index}: ${JSON.stringify(reply.body)}`).toBe(201);
        const outTradeNo = reply.body.order.outTradeNo as string;
        fates.set(outTradeNo, fateOf(index));
        if (fateOf(index) === 'pay') {
          const prepayId = String(reply.body.payParams.package).replace(/^prepay_id=/, '');
          const paid = await box.pay(prepayId);
          expect(paid.trade_state).toBe('SUCCESS');
        }
      }

      // The restarts: instance 1, then instance 2, each a real process stopped with SIGTERM (its
      // requests in flight finish) and started again on its port while orders keep coming.
      const restarts: string[] = [];
      const rolling = (async () => {
        await sleep(STREAM_MS / 5);
        for (const server of servers) {
          const began = Date.now();
          await server.stop(15_000);
          const stopped = Date.now();
          const startup = watchStartup(server.port);
          await server.start(30_000);
          restarts.push(
            `${server.name}: stopped in ${stopped - began} ms, healthy again after ${Date.now() - stopped} ms (at ${((began - t0) / 1000).toFixed(1)} s), ${await startup.stop()}`,
          );
          await sleep(STREAM_MS / 5);
        }
      })();

      // A steady stream: order i starts at i × (60 s / 200), whatever the others are doing.
      const orders = Array.from({ length: ORDERS }, (_, i) =>
        sleep((i * STREAM_MS) / ORDERS).then(() => placeAndPay(i)),
      );
      await Promise.all([...orders, rolling]);
      log(`stream of ${ORDERS} orders done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      for (const line of restarts) log(line);
      expect(restarts).toHaveLength(2);

      // WeChat retries a notification that was not acknowledged (15 s later, then 15 s, 30 s…):
      // wait for every paid order to be PAID here.
      await eventually(
        async () =>
          (await paidButPending(connection as Connection, await box.snapshot())) === 0
            ? true
            : undefined,
        60_000,
        'every order paid at WeChat to be PAID in the database',
        1000,
      );
      const outcome = await collectOutcome(connection as Connection, await box.snapshot(), fates);
      const traffic = readUpstreamLog((nginx as NginxHandle).accessLines());

      log(
        `orders: ${fates.size} placed, ${outcome.paidAtWeChat} paid at WeChat, ${outcome.paidInDb} PAID here ` +
          `(${outcome.paidByNotification} by notification, ${outcome.paidByQuery} by query), ${outcome.unpaidAtWeChat} left unpaid`,
      );
      log(
        `notifications: ${outcome.notifications}, ${outcome.posts} POSTs, ${outcome.failedPosts} failed at WeChat's end ${JSON.stringify(outcome.failures)}`,
      );
      log(
        `nginx: ${traffic.requests} requests, ${traffic.retried} moved on to the other instance after ${JSON.stringify(traffic.retriedAfter)} (hidden from clients), ${traffic.serverErrors} 5xx answered`,
      );
      log(
        `clients saw ${failures.length} 5xx or broken connections${failures.length ? `: ${JSON.stringify(failures.slice(0, 10))}` : ''}`,
      );

      expect(outcome.violations).toEqual([]);
      expect(outcome.lost).toBe(0);
      expect(outcome.doubleApplied).toBe(0);
      expect(outcome.paidWithoutPayment).toBe(0);
      expect(outcome.anomalies).toBe(0);
      // Each transaction paid one order, once.
      const transactions = await (connection as Connection).db
        ?.collection('orders')
        .distinct('transactionId', { status: 'PAID' });
      expect(transactions).toHaveLength(outcome.paidInDb);
      // What nginx's retries did not hide, the clients and WeChat would have seen: nothing.
      expect(failures).toEqual([]);
      expect(outcome.failures).toEqual({});
      expect(traffic.serverErrors).toBe(0);
    });

    it('enforces one guest-session limit per client address across both instances, whatever X-Forwarded-For the client writes', async () => {
      const address = '127.0.0.250';
      const client = httpsClient(ca.ca, address);
      const statuses: number[] = [];
      for (let i = 0; i < 2 * GUEST_LIMIT + 4; i += 1) {
        // nginx appends the address it saw; what the client wrote itself must not count.
        const reply = await client.send('POST', `${shopUrl}/api/guest-session`, {
          headers: { 'x-forwarded-for': `198.51.100.${i + 1}` },
        });
        statuses.push(reply.status);
      }
      client.close();
      const served = readUpstreamLog((nginx as NginxHandle).accessLines(), {
        from: address,
        path: '/api/guest-session',
      });
      // nginx alternates: both instances answered these.
      expect(served.upstreams.size).toBe(2);
      const allowed = statuses.filter((status) => status === 201).length;
      expect(
        allowed,
        `${allowed} of ${statuses.length} guest sessions allowed from one address: one limit for both instances allows ${GUEST_LIMIT} (a limit per instance allows ${2 * GUEST_LIMIT}; trusting what the client wrote in X-Forwarded-For allows them all)`,
      ).toBe(GUEST_LIMIT);
      expect(statuses.filter((status) => status === 429)).toHaveLength(
        statuses.length - GUEST_LIMIT,
      );
    });
  },
);
