import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serverEnv } from '@fen/demo';
import { dropDatabase, uniqueDatabaseUri } from '@fen/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startServer } from '../src/server.js';
import type { RunningServer } from '../src/server.js';

/**
 * A TCP pass-through to the database that holds every connection until `open()`: the database
 * "takes a moment", as when a stack starts, so the server is bound but not ready.
 */
async function gatedDatabase(target: URL) {
  const held: Socket[] = [];
  let open = false;
  const forward = (socket: Socket) => {
    const upstream = connect(Number(target.port || 27017), target.hostname);
    socket.pipe(upstream).pipe(socket);
    const end = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on('error', end);
    upstream.on('error', end);
    socket.on('close', end);
  };
  const gate = createServer((socket) => (open ? forward(socket) : held.push(socket)));
  await new Promise<void>((resolve) => gate.listen(0, '127.0.0.1', resolve));
  return {
    port: (gate.address() as AddressInfo).port,
    open() {
      open = true;
      for (const socket of held.splice(0)) forward(socket);
    },
    close: () =>
      new Promise<void>((resolve) => {
        gate.close(() => resolve());
      }),
  };
}

/** A port nothing listens on now (the OS hands out a free one, and it is let go). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** How a request to `url` ends: its status, or the connection error's code. */
async function outcomeOf(url: string): Promise<number | string> {
  try {
    return (await fetch(url, { method: 'POST', signal: AbortSignal.timeout(3000) })).status;
  } catch (err) {
    return String((err as { cause?: { code?: string } }).cause?.code ?? err);
  }
}

describe('requests during start-up', () => {
  const realUri = uniqueDatabaseUri({ label: 'startup' });
  let running: RunningServer | undefined;
  let gate: Awaited<ReturnType<typeof gatedDatabase>> | undefined;
  afterAll(async () => {
    gate?.open();
    await running?.close();
    await gate?.close();
    await dropDatabase(realUri);
  });

  it('when a request arrives while the server is still connecting, then 503 with Retry-After, not a hang', async () => {
    const real = new URL(realUri);
    gate = await gatedDatabase(real);
    const gated = new URL(realUri);
    gated.host = `127.0.0.1:${gate.port}`;
    let bound: (port: number) => void = () => {};
    const portOf = new Promise<number>((resolve) => (bound = resolve));
    const starting = startServer(
      (port) => {
        bound(port);
        return loadConfig(
          serverEnv({
            port,
            databaseUri: gated.toString(),
            certsDir: fileURLToPath(new URL('../../wx-sandbox/certs', import.meta.url)),
            env: { LOG_LEVEL: 'silent', RECONCILE_ENABLED: 'false' },
          }),
        );
      },
      { logger: createLogger('silent') },
    );
    const url = `http://127.0.0.1:${await portOf}`;
    for (const [path, method] of [
      ['/healthz', 'GET'],
      ['/api/guest-session', 'POST'],
    ] as const) {
      const res = await fetch(`${url}${path}`, { method, signal: AbortSignal.timeout(3000) });
      expect(res.status, path).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await res.json()).toEqual({
        error: {
          code: 'SERVICE_UNAVAILABLE',
          message: expect.any(String),
          requestId: expect.any(String),
        },
      });
    }
    gate.open();
    running = await starting;
    const ready = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) });
    expect(ready.status).toBe(200);
  }, 30_000);

  it('when the port is fixed (as in production), then it is bound only once ready: a connection before that is refused, so a proxy retries it elsewhere', async () => {
    const fixedUri = uniqueDatabaseUri({ label: 'startup-fixed' });
    const fixedGate = await gatedDatabase(new URL(fixedUri));
    const gated = new URL(fixedUri);
    gated.host = `127.0.0.1:${fixedGate.port}`;
    const port = await freePort();
    const starting = startServer(
      loadConfig(
        serverEnv({
          port,
          databaseUri: gated.toString(),
          certsDir: fileURLToPath(new URL('../../wx-sandbox/certs', import.meta.url)),
          env: { LOG_LEVEL: 'silent', RECONCILE_ENABLED: 'false' },
        }),
      ),
      { logger: createLogger('silent') },
    );
    let fixed: RunningServer | undefined;
    try {
      // The server is waiting on its database: nothing listens yet.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await outcomeOf(`http://127.0.0.1:${port}/api/guest-session`)).toBe('ECONNREFUSED');
      fixedGate.open();
      fixed = await starting;
      expect(await outcomeOf(`http://127.0.0.1:${port}/api/guest-session`)).toBe(201);
    } finally {
      fixedGate.open();
      await (fixed ?? (await starting.catch(() => undefined)))?.close();
      await fixedGate.close();
      await dropDatabase(fixedUri);
    }
  }, 30_000);
});
