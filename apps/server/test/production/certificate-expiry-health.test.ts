import { LogCapture, callJson, redisUrl, uniqueDatabaseUri, dropDatabase } from '@fen/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startServer } from '../../src/server.js';
import { makeProductionEnv } from './production-env.js';

const DAY = 86_400_000;

/** A server in production mode (it never calls WeChat here), its certificate valid `days` more. */
async function startProduction(days: number) {
  const databaseUri = uniqueDatabaseUri();
  const production = makeProductionEnv({
    mongodbUri: databaseUri,
    redisUrl: redisUrl(),
    certificate: { notAfter: new Date(Date.now() + days * DAY) },
  });
  const logs = new LogCapture();
  const running = await startServer(
    (port) =>
      loadConfig({
        ...production.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        RECONCILE_ENABLED: 'false',
      }),
    { startJob: false, logger: createLogger('info', logs) },
  );
  return { running, logs, production, databaseUri };
}

type Started = Awaited<ReturnType<typeof startProduction>>;
async function stop(started: Started | undefined) {
  if (!started) return;
  await started.running.close();
  await dropDatabase(started.databaseUri);
  started.production.cleanup();
}

describe('production: a merchant certificate about to expire', () => {
  let soon: Started | undefined;
  let later: Started | undefined;
  beforeAll(async () => {
    soon = await startProduction(10);
    later = await startProduction(40);
  }, 60_000);
  afterAll(async () => {
    await stop(soon);
    await stop(later);
  });

  it('when it expires in 10 days, then start-up logs a loud warning and /healthz shows it, still 200', async () => {
    const started = soon!;
    expect(
      started.logs.lines.some((line) =>
        /"level":40.*WARNING: the merchant API certificate expires on .*\(in (9|10) days\)/.test(
          line,
        ),
      ),
      started.logs.lines.join('\n'),
    ).toBe(true);
    const res = await callJson(`${started.running.url}/healthz`, undefined, 10_000);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ok: true,
      database: 'up',
      redis: 'up',
      warnings: [
        expect.stringMatching(
          /^the merchant API certificate expires on .* \(in (9|10) days\): apply for a new one/,
        ),
      ],
    });
    // The warning names a date, never a secret of the configuration.
    const text = JSON.stringify(res.body);
    for (const key of ['SESSION_SECRET', 'ADMIN_TOKEN', 'WXPAY_KEY', 'WX_APPSECRET'] as const) {
      expect(text).not.toContain(started.production.env[key]);
    }
  });

  it('when it expires in 40 days, then there is no warning', async () => {
    const started = later!;
    expect(started.logs.lines.some((line) => line.includes('WARNING'))).toBe(false);
    const res = await callJson(`${started.running.url}/healthz`, undefined, 10_000);
    expect(res.body).toEqual({ ok: true, database: 'up', redis: 'up' });
  });
});
