import { join } from 'node:path';
import { createLogger, loadConfig, startServer } from '@fen/server';
import type { Clock, RunningServer } from '@fen/server';
import { DEMO_CERTS_DIR, DEMO_MERCHANT, createSandbox } from '@fen/wx-sandbox';
import type { Sandbox } from '@fen/wx-sandbox';
import { fileURLToPath } from 'node:url';
import mongoose from 'mongoose';
import { inject } from 'vitest';
import { callJson } from '../../support/http-json.js';
import { LogCapture } from '../../support/log-capture.js';

export { LogCapture };

export const DEMO = {
  appId: 'wxfe00000000000001',
  appSecret: '5f2d7a9c1b3e4f60718293a4b5c6d7e8',
  mchId: '1900000109',
  key: 'fensandboxapikey0123456789abcdef',
  sessionSecret: 'e2e-session-secret-0123456789abcdef',
  adminToken: 'e2e-admin-token-0123456789',
};

const CERTS = fileURLToPath(DEMO_CERTS_DIR);

/**
 * Which WeChat Pay API the servers under test speak: `FEN_WXPAY_API_VERSION`, set by the
 * `e2e-v3` project (test/vitest.v3.config.ts), so the same suite runs against both.
 */
export const WXPAY_API_VERSION: 'v2' | 'v3' =
  process.env.FEN_WXPAY_API_VERSION === 'v3' ? 'v3' : 'v2';
export const isV3 = WXPAY_API_VERSION === 'v3';

/** The notification routes WeChat is told about, per API version. */
export const notifyPaths = isV3
  ? { payment: '/wxpay/v3/notify', refund: '/wxpay/v3/refund-notify' }
  : { payment: '/wxpay/notify', refund: '/wxpay/refund-notify' };

/** The server's APIv3 settings against `sandbox` (its demo merchant's APIv3 key). */
function v3Env(sandbox: Sandbox, port: number): Record<string, string> {
  return {
    WXPAY_API_VERSION: 'v3',
    WXPAY_V3_KEY: DEMO_MERCHANT.apiV3Key,
    WXPAY_V3_API_BASE: sandbox.url,
    WXPAY_NOTIFY_URL: `http://127.0.0.1:${port}${notifyPaths.payment}`,
    WXPAY_REFUND_NOTIFY_URL: `http://127.0.0.1:${port}${notifyPaths.refund}`,
  };
}

function provided(key: string): string | undefined {
  try {
    return (inject as (k: string) => unknown)(key) as string | undefined;
  } catch {
    return undefined;
  }
}

export const mongoServerUri = () =>
  provided('mongodbUri') ?? process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017';
export const redisUrl = () =>
  provided('redisUrl') ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A fresh database name on the test server. */
export function uniqueDatabaseUri(base = mongoServerUri()): string {
  const url = new URL(base);
  url.pathname = `/fen_test_${Math.random().toString(36).slice(2, 12)}`;
  return url.toString();
}

export async function dropDatabase(uri: string): Promise<void> {
  const connection = await mongoose
    .createConnection(uri, { serverSelectionTimeoutMS: 5000 })
    .asPromise();
  try {
    await connection.dropDatabase();
  } finally {
    await connection.close();
  }
}

/** A clock the test moves forward; the server under test reads it. */
export class TestClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export type { Sandbox };

export async function startSandbox(timeScale = 0.001): Promise<Sandbox> {
  return createSandbox({ timeScale, port: 0, tlsPort: 0 });
}

export interface ServerUnderTest {
  running: RunningServer;
  url: string;
  logs: LogCapture;
  databaseUri: string;
  close(): Promise<void>;
}

/**
 * The real server on port 0, talking to `sandbox`, with its own (or a given) database. The
 * reconciliation timer is off unless `startJob` (tests run passes with `runReconcileOnce`).
 */
export async function startFenServer(
  sandbox: Sandbox,
  options: {
    databaseUri?: string;
    env?: Record<string, string>;
    clock?: Clock;
    /** The clock APIv3 signatures follow (default the system clock); see RuntimeOptions. */
    wechatClock?: Clock;
    startJob?: boolean;
  } = {},
): Promise<ServerUnderTest> {
  const databaseUri = options.databaseUri ?? uniqueDatabaseUri();
  const logs = new LogCapture();
  const running = await startServer(
    (port) =>
      loadConfig({
        PORT: String(port),
        HOST: '127.0.0.1',
        MONGODB_URI: databaseUri,
        WX_APPID: DEMO.appId,
        WX_APPSECRET: DEMO.appSecret,
        WXPAY_MCHID: DEMO.mchId,
        WXPAY_KEY: DEMO.key,
        WXPAY_SIGN_TYPE: 'MD5',
        WXPAY_NOTIFY_URL: `http://127.0.0.1:${port}/wxpay/notify`,
        WXPAY_REFUND_NOTIFY_URL: `http://127.0.0.1:${port}/wxpay/refund-notify`,
        WXPAY_CERT_P12_PATH: join(CERTS, 'apiclient_cert.p12'),
        WXPAY_CA_CERT_PATH: join(CERTS, 'ca.pem'),
        WX_API_BASE: sandbox.url,
        WXPAY_API_BASE: sandbox.url,
        WXPAY_SECAPI_BASE: sandbox.tlsUrl,
        WXPAY_TIMEOUT_MS: '3000',
        SESSION_SECRET: DEMO.sessionSecret,
        ADMIN_TOKEN: DEMO.adminToken,
        RECONCILE_ENABLED: 'false',
        RECONCILE_PENDING_AFTER_SECONDS: '0',
        RECONCILE_REFUND_AFTER_SECONDS: '0',
        SHUTDOWN_TIMEOUT_MS: '5000',
        LOG_LEVEL: 'debug',
        ...(isV3 ? v3Env(sandbox, port) : {}),
        ...options.env,
      }),
    {
      startJob: options.startJob ?? false,
      logger: createLogger('debug', logs),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.wechatClock ? { wechatClock: options.wechatClock } : {}),
    },
  );
  return {
    running,
    url: running.url,
    logs,
    databaseUri,
    async close() {
      await running.close();
      if (!options.databaseUri) await dropDatabase(databaseUri);
    },
  };
}

/** JSON over real HTTP (15 s per request). */
export const call = (url: string, init?: Parameters<typeof callJson>[1]) => callJson(url, init);

/** Polls `check` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
