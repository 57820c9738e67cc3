import { fileURLToPath } from 'node:url';
import { DEMO_MERCHANT, DEMO_SERVER_SECRETS, serverEnv } from '@fen/demo';
import { createLogger, loadConfig, startServer } from '@fen/server';
import type { Clock, RunningServer } from '@fen/server';
import { DEMO_CERTS_DIR } from '@fen/wx-sandbox';
import { dropDatabase, uniqueDatabaseUri } from './database.js';
import { LogCapture } from './log-capture.js';

/** The demo merchant and the server's demo secrets, as the server under test is configured. */
export const DEMO = Object.freeze({
  appId: DEMO_MERCHANT.appId,
  appSecret: DEMO_MERCHANT.appSecret,
  mchId: DEMO_MERCHANT.mchId,
  key: DEMO_MERCHANT.key,
  sessionSecret: DEMO_SERVER_SECRETS.sessionSecret,
  adminToken: DEMO_SERVER_SECRETS.adminToken,
});

/** What the server needs of a sandbox: where WeChat's APIs and its mutual-TLS APIs answer. */
export interface SandboxUnderTest {
  url: string;
  tlsUrl: string;
}

export interface FenServerOptions {
  /** A database to use and keep; default a fresh one, dropped on close. */
  databaseUri?: string;
  /** Settings over the test defaults. */
  env?: Record<string, string>;
  clock?: Clock;
  /** The clock APIv3 signatures follow (default the system clock); see RuntimeOptions. */
  wechatClock?: Clock;
  /** Run the reconciliation timer (default off: tests call `runReconcileOnce()`). */
  startJob?: boolean;
  /** The WeChat Pay API spoken; default `$FEN_WXPAY_API_VERSION` (the e2e-v3 project sets v3). */
  apiVersion?: 'v2' | 'v3';
}

export interface FenServer {
  running: RunningServer;
  url: string;
  logs: LogCapture;
  databaseUri: string;
  close(): Promise<void>;
}

/** What tests change of the stack's environment: quick timeouts, every stale order at once. */
const TEST_SETTINGS = {
  WXPAY_TIMEOUT_MS: '3000',
  RECONCILE_ENABLED: 'false',
  RECONCILE_PENDING_AFTER_SECONDS: '0',
  RECONCILE_REFUND_AFTER_SECONDS: '0',
  SHUTDOWN_TIMEOUT_MS: '5000',
  LOG_LEVEL: 'debug',
};

/**
 * The real server in this process on port 0, with its own (or a given) database and its log
 * captured. It talks to `sandbox`; without one (tests that never reach WeChat) WeChat's bases
 * point nowhere.
 */
export async function startFenServer(
  sandbox?: SandboxUnderTest,
  options: FenServerOptions = {},
): Promise<FenServer> {
  const databaseUri = options.databaseUri ?? uniqueDatabaseUri();
  const apiVersion =
    options.apiVersion ?? (process.env.FEN_WXPAY_API_VERSION === 'v3' ? 'v3' : 'v2');
  const logs = new LogCapture();
  const running = await startServer(
    (port) =>
      loadConfig(
        serverEnv({
          port,
          databaseUri,
          certsDir: fileURLToPath(DEMO_CERTS_DIR),
          ...(sandbox ? { sandbox } : {}),
          apiVersion,
          env: { ...TEST_SETTINGS, ...options.env },
        }),
      ),
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
