import { createSandbox } from '@fen/wx-sandbox';
import type { Sandbox } from '@fen/wx-sandbox';
import type { Clock } from '@fen/server';
import { callJson, startFenServer } from '@fen/test-support';
import type { FenServer as ServerUnderTest, FenServerOptions } from '@fen/test-support';
import { afterAll, beforeAll } from 'vitest';

// The end-to-end stack: the shared helpers (one server start, one database helper) plus what only
// these suites need — the sandbox, the API version of the run, a clock the test moves.
export {
  DEMO,
  LogCapture,
  dropDatabase,
  eventually,
  mongoServerUri,
  redisUrl,
  startFenServer,
  uniqueDatabaseUri,
} from '@fen/test-support';
export type { ServerUnderTest };
export type { Sandbox };

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

export async function startSandbox(timeScale = 0.001): Promise<Sandbox> {
  return createSandbox({ timeScale, port: 0, tlsPort: 0 });
}

/** JSON over real HTTP (15 s per request). */
export const call = (url: string, init?: Parameters<typeof callJson>[1]) => callJson(url, init);

/** A sandbox and a Fen server for one test file; see {@link useFenStack}. */
export interface FenStack {
  readonly sandbox: Sandbox;
  readonly server: ServerUnderTest;
}

/**
 * A sandbox and a server against it, started before the file's (or describe block's) tests and
 * stopped after them; read `stack.sandbox` / `stack.server` inside tests and hooks. `server` may
 * be a function of the sandbox, to set it up before the server starts.
 */
export function useFenStack(
  options: {
    timeScale?: number;
    server?: FenServerOptions | ((sandbox: Sandbox) => Promise<FenServerOptions>);
  } = {},
): FenStack {
  let sandbox: Sandbox | undefined;
  let server: ServerUnderTest | undefined;
  beforeAll(async () => {
    sandbox = await startSandbox(options.timeScale);
    const serverOptions =
      typeof options.server === 'function' ? await options.server(sandbox) : options.server;
    server = await startFenServer(sandbox, serverOptions);
  }, 30_000);
  afterAll(async () => {
    await server?.close();
    await sandbox?.close();
  });
  const started = <T>(part: T | undefined, name: string): T => {
    if (!part) throw new Error(`the ${name} is not started: use it inside a test or hook`);
    return part;
  };
  return {
    get sandbox() {
      return started(sandbox, 'sandbox');
    },
    get server() {
      return started(server, 'server');
    },
  };
}
