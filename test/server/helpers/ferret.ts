import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from '@fen/scripts/children.mjs';
import { ensureFerretDb } from '@fen/scripts/ferretdb/build.mjs';
import { freePort } from '@fen/scripts/free-port.mjs';
import { ferretArgs } from '@fen/scripts/mongo.mjs';
import { mongoHello } from '@fen/scripts/mongo-wire.mjs';

/**
 * A dedicated FerretDB (SQLite) a test may stop and start again on the same port and data, to
 * see what the server does while its database is down.
 */
export interface DedicatedFerret {
  uri: string;
  /** SIGKILL: the database is gone at once, as in a crash. */
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/** Starts one: the binary, arguments and readiness check are the ones `npm start` uses. */
export async function startDedicatedFerret(): Promise<DedicatedFerret> {
  const binary = await ensureFerretDb({ log: () => undefined });
  const dir = mkdtempSync(join(tmpdir(), 'fen-ferret-'));
  const port = await freePort();
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    const started = spawn(binary, ferretArgs('sqlite', dir, port), { stdio: 'ignore' });
    child = started;
    await waitUntil(() => mongoHello('127.0.0.1', port), {
      what: `FerretDB on 127.0.0.1:${port}`,
      timeoutMs: 10_000,
      intervalMs: 50,
      failed: () => (started.exitCode !== null ? 'it exited' : undefined),
    });
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
