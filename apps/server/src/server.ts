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
 * With a config (its port fixed, as `main.ts` gives it) the runtime is built first and the port
 * bound only once it is ready: until then a connection is refused, which a proxy in front (nginx)
 * safely retries on another instance, even a POST. With a function of the port (tests on port 0,
 * whose notify URL names the port) the port is bound first, and until the runtime is ready every
 * request is answered 503 with Retry-After (never left hanging).
 */
export async function startServer(
  config: Config | ((port: number) => Config),
  options: StartOptions = {},
): Promise<RunningServer> {
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
  const listen = (port: number, host: string) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
  let runtime: Runtime;
  if (typeof config !== 'function') {
    runtime = await createRuntime(config, options);
    try {
      await listen(config.port, config.host);
    } catch (err) {
      await runtime.close();
      throw err;
    }
  } else {
    await listen(0, '127.0.0.1');
    try {
      runtime = await createRuntime(config((server.address() as AddressInfo).port), options);
    } catch (err) {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
      throw err;
    }
  }
  const port = (server.address() as AddressInfo).port;
  ready.handle = runtime.app.callback();
  if (options.startJob ?? runtime.config.reconcile.enabled) runtime.job.start();
  if ((options.startJob ?? true) && runtime.config.billReconcile.enabled) runtime.billJob.start();

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
