import { loadConfig } from '../../src/config.js';
import type { Clock } from '../../src/clock.js';
import { createLogger } from '../../src/logger.js';
import { startServer } from '../../src/server.js';
import type { RunningServer } from '../../src/server.js';
import { callJson } from '../../../../test/support/http-json.js';
import { LogCapture } from '../../../../test/support/log-capture.js';
import { makeTestCerts } from './certs.js';
import { dropDatabase, uniqueDatabaseUri } from './database.js';

export { LogCapture };

export const DEMO = {
  appId: 'wxfe00000000000001',
  appSecret: '5f2d7a9c1b3e4f60718293a4b5c6d7e8',
  mchId: '1900000109',
  key: 'fensandboxapikey0123456789abcdef',
  sessionSecret: 'test-session-secret-0123456789abcdef',
  adminToken: 'test-admin-token-0123456789',
};

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

/** JSON over real HTTP, returning status, body and headers (10 s per request). */
export const call = (url: string, init?: Parameters<typeof callJson>[1]) =>
  callJson(url, init, 10_000);
