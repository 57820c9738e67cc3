import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.js';
import { answerNotReady } from './http/not-ready.js';
import type { ReconcileReport } from './jobs/reconcile-job.js';
import { createRuntime } from './runtime.js';
import type { Runtime, RuntimeOptions } from './runtime.js';

export interface StartOptions extends RuntimeOptions {
  /** Start the reconciliation timer (default: `config.reconcile.enabled`). */
  startJob?: boolean;
}

export interface RunningServer {
  /** `http://host:port` as bound. */
  url: string;
  port: number;
  server: Server;
  runtime: Runtime;
  /** One reconciliation pass now (tests). */
  runReconcileOnce(): Promise<ReconcileReport>;
  /**
   * Graceful shutdown: stop accepting, let requests in flight (notifications above all) finish
   * within `shutdownTimeoutMs`, stop the job, close Redis and the database.
   */
  close(): Promise<void>;
}

/**
 * Binds the port first and then builds the runtime, so a config that needs its own URL (the
 * notify URL on port 0 in tests) can be derived from the bound port. Until the runtime is ready
 * every request is answered 503 with Retry-After (never left hanging).
 */
export async function startServer(
  config: Config | ((port: number) => Config),
  options: StartOptions = {},
): Promise<RunningServer> {
  const initial = typeof config === 'function' ? undefined : config;
  const server = createServer();
  // A client may half-close its side once it has sent a request (fuzzing found `GET /healthz`
  // then FIN unanswered): by default Node aborts such requests; answer them, then close.
  Object.assign(server, { httpAllowHalfOpen: true });
  let inFlight = 0;
  let closing = false;
  let drained: (() => void) | undefined;
  /** Set once the runtime is built; until then every request is answered 503. */
  const ready: { handle?: ReturnType<Runtime['app']['callback']> } = {};
  server.on('request', (req, res) => {
    const { handle } = ready;
    if (!handle) {
      answerNotReady(req, res);
      return;
    }
    inFlight += 1;
    if (closing) res.setHeader('Connection', 'close');
    res.on('close', () => {
      inFlight -= 1;
      if (inFlight === 0) drained?.();
    });
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(initial?.port ?? 0, initial?.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let runtime: Runtime;
  try {
    runtime = await createRuntime(typeof config === 'function' ? config(port) : config, options);
  } catch (err) {
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
    await closed;
    throw err;
  }
  ready.handle = runtime.app.callback();
  if (options.startJob ?? runtime.config.reconcile.enabled) runtime.job.start();

  let closed: Promise<void> | undefined;
  const host = runtime.config.host === '0.0.0.0' ? '127.0.0.1' : runtime.config.host;
  return {
    url: `http://${host}:${port}`,
    port,
    server,
    runtime,
    runReconcileOnce: () => runtime.job.runOnce(),
    close() {
      closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        if (inFlight > 0) {
          await Promise.race([
            new Promise<void>((resolve) => (drained = resolve)),
            new Promise((resolve) => setTimeout(resolve, runtime.config.shutdownTimeoutMs).unref()),
          ]);
        }
        server.closeAllConnections();
        await stopped;
        await runtime.close();
        runtime.log.info('server stopped');
      })();
      return closed;
    },
  };
}
