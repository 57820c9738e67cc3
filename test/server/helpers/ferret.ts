import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where a FerretDB binary may be: $FERRETDB_BIN, the repo's build output, the dev machine's. */
function ferretBinary(): string {
  const candidates = [
    process.env.FERRETDB_BIN,
    join(import.meta.dirname, '../../../.fen/bin/ferretdb'),
    '/tmp/fb/ferretdb',
  ].filter((path): path is string => Boolean(path));
  const found = candidates.find((path) => existsSync(path));
  if (!found)
    throw new Error(`no FerretDB binary (tried ${candidates.join(', ')}); set FERRETDB_BIN`);
  return found;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`FerretDB did not listen on ${port} within ${timeoutMs} ms`);
}

/**
 * A dedicated FerretDB (SQLite) a test may stop and start again on the same port and data, to
 * see what the server does while its database is down.
 */
export interface DedicatedFerret {
  uri: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startDedicatedFerret(): Promise<DedicatedFerret> {
  const binary = ferretBinary();
  const dir = mkdtempSync(join(tmpdir(), 'fen-ferret-'));
  const port = await freePort();
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    child = spawn(
      binary,
      [
        '--handler=sqlite',
        `--sqlite-url=file:${dir}/`,
        `--listen-addr=127.0.0.1:${port}`,
        '--debug-addr=-',
        '--telemetry=disable',
        '--log-level=error',
        `--state-dir=${dir}`,
      ],
      { stdio: 'ignore' },
    );
    await waitForPort(port, 10_000);
  }

  async function stop(): Promise<void> {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  }

  await start();
  return {
    uri: `mongodb://127.0.0.1:${port}/fen_restart`,
    stop,
    start,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
