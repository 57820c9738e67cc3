import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox } from '@fen/wx-sandbox';
import type { Sandbox } from '@fen/wx-sandbox';
import mongoose from 'mongoose';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type {} from '../support/provided-context.js';
import { freePort } from '@fen/scripts/free-port.mjs';
import { startBalancer } from './support/balancer.js';
import type { Balancer } from './support/balancer.js';
import { collectOutcome, paidButPending } from './support/outcomes.js';
import { startPacer } from './support/pacer.js';
import { mapPool, sleep } from './support/pool.js';
import { stormRedisUrl } from './support/redis-db.js';
import { stormTable } from './support/report.js';
import { ServerProcess, serverEnv } from './support/server-process.js';
import { createShoppers } from './support/shoppers.js';
import type { ShopperStats } from './support/shoppers.js';
import { openStormDatabase } from './support/storm-database.js';
import type { StormDatabase } from './support/storm-database.js';
import { orderFates, stormPlan } from './support/storm-plan.js';
import { notificationGauge, runStorm } from './support/storm-runner.js';

// The notification storm (issue 6): thousands of paid orders' notifications through the sandbox
// with every fault on — duplicates (concurrent and sequential), out-of-order delivery, dropped
// first attempts, latency, SYSTEMERROR on orderquery — while two real server processes share one
// database behind a load balancer and are SIGKILLed mid-storm. Afterwards WeChat's view and the
// database's must agree: every paid order PAID exactly once, every unpaid one never.
const plan = stormPlan();
const log = (line: string) => console.log(line);

let database: StormDatabase | undefined;
let sandbox: Sandbox | undefined;
let balancer: Balancer | undefined;
let connection: Connection | undefined;
let logDir: string | undefined;
const servers: ServerProcess[] = [];

beforeAll(async () => {
  database = await openStormDatabase();
  sandbox = await createSandbox({ timeScale: plan.timeScale });
  const ports = [await freePort(), await freePort()];
  balancer = await startBalancer(ports.map((port, i) => ({ name: `server-${'ab'[i]}`, port })));
  logDir = mkdtempSync(join(tmpdir(), 'fen-storm-'));
  const stack = {
    databaseUri: database.uri,
    redisUrl: await stormRedisUrl(inject('redisUrl')),
    sandbox,
    publicUrl: balancer.url,
  };
  const env = serverEnv(stack, {
    HOST: '127.0.0.1',
    WXPAY_TIMEOUT_MS: '5000',
    ORDER_TTL_MINUTES: String(plan.orderTtlMinutes),
    RECONCILE_ENABLED: 'true',
    RECONCILE_INTERVAL_SECONDS: String(plan.reconcile.intervalSeconds),
    RECONCILE_PENDING_AFTER_SECONDS: String(plan.reconcile.pendingAfterSeconds),
    RECONCILE_BATCH_SIZE: String(plan.reconcile.batchSize),
    RECONCILE_LEASE_SECONDS: String(plan.reconcile.leaseSeconds),
    SHUTDOWN_TIMEOUT_MS: '2000',
    LOG_LEVEL: 'warn',
    // Thousands of orders a minute from 40 users on one address: a load test, not abuse.
    ORDER_ACTIONS_PER_MINUTE: '100000',
    ORDER_ACTIONS_PER_IP_PER_MINUTE: '1000000',
  });
  ports.forEach((port, i) =>
    servers.push(
      new ServerProcess(
        `server-${'ab'[i]}`,
        port,
        env,
        join(logDir as string, `server-${'ab'[i]}.log`),
      ),
    ),
  );
  // One after the other: both seed the catalogue and create indexes on first start.
  for (const server of servers) await server.start();
  connection = await mongoose
    .createConnection(database.uri, { serverSelectionTimeoutMS: 10_000 })
    .asPromise();
}, 90_000);

afterAll(async () => {
  const steps: Array<[string, () => Promise<unknown> | undefined]> = [
    ['servers', () => Promise.all(servers.map((server) => server.stop(3000)))],
    ['balancer', () => balancer?.close()],
    ['sandbox', () => sandbox?.close()],
    ['connection', () => connection?.close()],
    ['database', () => database?.close()],
  ];
  for (const [name, step] of steps) {
    await Promise.race([
      Promise.resolve(step()).catch((error: unknown) =>
        console.error(`[storm] closing ${name}:`, error),
      ),
      sleep(15_000),
    ]);
  }
  // Kept on request (FEN_STORM_KEEP_LOGS=1) to read what the servers said.
  if (logDir && process.env.FEN_STORM_KEEP_LOGS !== '1')
    rmSync(logDir, { recursive: true, force: true });
  else if (logDir) console.log(`[storm] server logs kept in ${logDir}`);
}, 90_000);

/** Polls until `check` returns true or `timeoutMs` passes; returns when it became true, or undefined. */
async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return Date.now();
    if (Date.now() > deadline) return undefined;
    await sleep(500);
  }
}

/**
 * Logs a progress line every 10 s while the storm runs (how far it got, if it times out); the next
 * is timed from the end of the last, so slow reads never pile up.
 */
function startProgress(line: () => Promise<string>) {
  const started = Date.now();
  let timer: NodeJS.Timeout;
  const next = () => {
    timer = setTimeout(() => {
      line()
        .then(
          (text) => log(`[storm] ${Math.round((Date.now() - started) / 1000)} s: ${text}`),
          () => undefined,
        )
        .finally(next);
    }, 10_000);
  };
  next();
  return { stop: () => clearTimeout(timer) };
}

describe(`notification storm (${plan.label})`, () => {
  it(
    'when thousands of notifications arrive duplicated, late, out of order and through SIGKILLs, then every paid order is PAID exactly once and no unpaid one is',
    async () => {
      const testStarted = Date.now();
      if (!sandbox || !balancer || !connection || !database) throw new Error('setup failed');
      const stats: ShopperStats = { apiRetries: 0 };
      const shoppers = createShoppers(balancer.url, sandbox, stats);
      const tokens = await mapPool(
        Array.from({ length: plan.users }, (_, i) => `storm-user-${i}`),
        8,
        (user) => shoppers.signIn(user),
      );
      const fates = orderFates(plan);
      const { stats: traffic } = balancer;
      const pacer = startPacer(traffic);
      // Narrowed (checked above) for the closures below, which TypeScript would not narrow.
      const [db, wechat] = [connection, sandbox];
      const gauge = notificationGauge(sandbox);
      const progress = startProgress(async () => {
        const behind = await paidButPending(db, wechat);
        const { undelivered } = gauge();
        const notify = traffic.answered['POST /wxpay/notify'];
        return `paid at WeChat but PENDING in db ${behind}, undelivered ${undelivered}, notify in flight ${pacer.inFlight()}/${pacer.cap()}, answered ${notify?.count ?? 0}`;
      });
      let run;
      let drainedAt: number | undefined;
      let quietAt: number | undefined;
      try {
        run = await runStorm({
          plan,
          fates,
          tokens,
          sandbox,
          shoppers,
          servers,
          pacer,
          log,
        });
        // Leave time to collect and print the figures before the test's own timeout.
        const left = testStarted + plan.testTimeoutMs - 30_000 - Date.now();
        drainedAt = await waitFor(
          async () => (await paidButPending(db, wechat)) === 0,
          Math.min(plan.drainTimeoutMs, left),
        );
        quietAt = await waitFor(
          () => gauge().undelivered === 0,
          Math.min(30_000, left - (Date.now() - (drainedAt ?? Date.now()))),
        );
      } finally {
        progress.stop();
        pacer.stop();
      }
      const outcome = await collectOutcome(connection, sandbox, run.fates);
      const timings = {
        stormMs: run.stormMs,
        drainMs: (drainedAt ?? Date.now()) - run.lastPaymentAt,
        ...(quietAt ? { quietMs: quietAt - run.lastPaymentAt } : {}),
        kills: run.kills,
      };
      // The servers log each failed orderquery (warn): the SYSTEMERROR fault as they met it.
      const systemErrors = servers.reduce(
        (sum, server) =>
          sum +
          server
            .logLines()
            .filter(
              (line) => line.includes('"msg":"orderquery failed"') && line.includes('SYSTEMERROR'),
            ).length,
        0,
      );
      log(
        stormTable(plan, database.description, outcome, timings, balancer.stats, {
          apiRetries: stats.apiRetries,
          systemErrors,
        }),
      );
      if (outcome.violations.length > 0 || drainedAt === undefined) {
        for (const server of servers)
          log(`[storm] last lines of ${server.name}:\n${server.tail()}`);
      }

      expect(drainedAt, 'every paid order PAID within the drain timeout').toBeDefined();
      expect(outcome.violations.slice(0, 20)).toEqual([]);
      expect(outcome.lost).toBe(0);
      expect(outcome.doubleApplied).toBe(0);
      expect(outcome.paidWithoutPayment).toBe(0);
      expect(outcome.anomalies).toBe(0);
      expect(outcome.paidAtWeChat).toBe(plan.paidOrders);
      expect(outcome.paidInDb).toBe(plan.paidOrders);
      expect(outcome.notifications).toBe(plan.paidOrders);
      expect(balancer.stats.upstream5xx).toEqual({});
      expect(run.refusedOnClosed).toBe(plan.unpaid['cancelled-by-api']);
      // The faults really happened: otherwise this would prove nothing.
      expect(run.kills).toHaveLength(plan.killsAt.length);
      expect(servers.reduce((sum, server) => sum + server.kills, 0)).toBe(plan.killsAt.length);
      expect(outcome.duplicatesAbsorbed).toBeGreaterThan(
        plan.paidOrders * plan.duplicatedShare * 0.5,
      );
      expect(outcome.droppedAttempts).toBeGreaterThan(0);
      expect(outcome.notificationsRetried).toBeGreaterThan(0);
      expect(systemErrors, 'orderquery SYSTEMERRORs met by the servers').toBeGreaterThan(0);
      for (const server of servers)
        expect(balancer.stats.byUpstream[server.name]).toBeGreaterThan(0);
    },
    plan.testTimeoutMs,
  );
});
