import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.js';
import type { Clock } from '../../src/clock.js';
import { createLogger } from '../../src/logger.js';
import { startServer } from '../../src/server.js';
import type { RunningServer } from '../../src/server.js';
import { makeTestCerts } from './certs.js';
import { dropDatabase, uniqueDatabaseUri } from './database.js';

export const DEMO = {
  appId: 'wxfe00000000000001',
  appSecret: '5f2d7a9c1b3e4f60718293a4b5c6d7e8',
  mchId: '1900000109',
  key: 'fensandboxapikey0123456789abcdef',
  sessionSecret: 'test-session-secret-0123456789abcdef',
  adminToken: 'test-admin-token-0123456789',
};

/** Log lines a test can inspect (e.g. that no secret was ever written). */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  get text(): string {
    return this.lines.join('\n');
  }
}

export interface TestServer {
  running: RunningServer;
  url: string;
  databaseUri: string;
  logs: LogCapture;
  close(): Promise<void>;
}

/**
 * The real server on port 0 against a fresh database. WeChat's bases point at `wechatUrl` (the
 * sandbox, or nowhere for tests that never reach WeChat). The reconciliation timer is off;
 * tests call `runReconcileOnce()`.
 */
export async function startTestServer(
  options: {
    env?: Record<string, string>;
    clock?: Clock;
    wechatUrl?: string;
    databaseUri?: string;
  } = {},
): Promise<TestServer> {
  const certs = makeTestCerts(DEMO.mchId);
  const databaseUri = options.databaseUri ?? uniqueDatabaseUri();
  const wechatUrl = options.wechatUrl ?? 'http://127.0.0.1:9';
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
        WXPAY_NOTIFY_URL: `http://127.0.0.1:${port}/wxpay/notify`,
        WXPAY_REFUND_NOTIFY_URL: `http://127.0.0.1:${port}/wxpay/refund-notify`,
        WXPAY_CERT_PEM_PATH: certs.certPem,
        WXPAY_KEY_PEM_PATH: certs.keyPem,
        WX_API_BASE: wechatUrl,
        WXPAY_API_BASE: wechatUrl,
        WXPAY_TIMEOUT_MS: '2000',
        SESSION_SECRET: DEMO.sessionSecret,
        ADMIN_TOKEN: DEMO.adminToken,
        RECONCILE_ENABLED: 'false',
        SHUTDOWN_TIMEOUT_MS: '3000',
        LOG_LEVEL: 'debug',
        ...options.env,
      }),
    {
      startJob: false,
      logger: createLogger('debug', logs),
      ...(options.clock ? { clock: options.clock } : {}),
    },
  );
  return {
    running,
    url: running.url,
    databaseUri,
    logs,
    async close() {
      await running.close();
      if (!options.databaseUri) await dropDatabase(databaseUri);
      certs.cleanup();
    },
  };
}

/** JSON over real HTTP, returning status, body and headers. */
export async function call(
  url: string,
  init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
  // Tests read response fields directly; the assertions are the type check.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (notification replies are XML)
  }
  return { status: response.status, body, headers: response.headers };
}
