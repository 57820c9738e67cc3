import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { serverEnv as demoServerEnv } from '@fen/demo';
import { sleep } from './pool.js';

export const REPO_ROOT = join(import.meta.dirname, '../../..');
const MAIN = join(REPO_ROOT, 'apps/server/dist/main.js');
const CERTS = join(REPO_ROOT, 'apps/wx-sandbox/certs');

/** Every server process any storm started, so a crash of the test still kills them (below). */
const everyChild = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of everyChild) killGroup(child, 'SIGKILL');
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // Detached: the child leads its own process group, so this reaches anything it started.
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * The servers' environment against `stack` (the one builder, `@fen/demo`), with `.env.example`
 * as defaults as `npm start` does, then `env`. WeChat notifies `publicUrl` (the load balancer);
 * each {@link ServerProcess} sets its own PORT.
 */
export function serverEnv(
  stack: {
    databaseUri: string;
    redisUrl: string;
    sandbox: { url: string; tlsUrl: string };
    publicUrl: string;
  },
  env: Record<string, string>,
): Record<string, string> {
  const defaults = parseEnv(readFileSync(join(REPO_ROOT, 'apps/server/.env.example'), 'utf8'));
  return demoServerEnv({
    ...stack,
    port: 0,
    certsDir: CERTS,
    defaults,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
}

/**
 * One server instance as a real child process (`node apps/server/dist/main.js`) on a fixed port,
 * so it can be SIGKILLed and started again where the load balancer expects it. Its output goes
 * to `logFile`, appended across restarts.
 */
export class ServerProcess {
  #child: ChildProcess | undefined;
  starts = 0;
  kills = 0;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    readonly logFile: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    const child = this.#child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Starts the process and waits until `GET /healthz` answers 200 (or fails after `timeoutMs`). */
  async start(timeoutMs = 30_000): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    const out = openSync(this.logFile, 'a');
    const child = spawn(process.execPath, [MAIN], {
      cwd: REPO_ROOT,
      env: { ...this.env, PORT: String(this.port) },
      stdio: ['ignore', out, out],
      detached: true,
    });
    closeSync(out);
    everyChild.add(child);
    child.once('exit', () => everyChild.delete(child));
    this.#child = child;
    this.starts += 1;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`${this.name} exited while starting:\n${this.tail()}`);
      try {
        const res = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        if (res.ok) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`${this.name} not healthy within ${timeoutMs} ms:\n${this.tail()}`);
      }
      await sleep(100);
    }
  }

  /** SIGKILL, no warning: whatever the process was doing is cut off mid-write. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.kills += 1;
    killGroup(child, 'SIGKILL');
    await exited(child);
  }

  /** SIGTERM (graceful), SIGKILL after `graceMs`; resolves once it is gone. */
  async stop(graceMs = 3000): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
    await exited(child);
    clearTimeout(timer);
  }

  /** Every line it wrote, across restarts. */
  logLines(): string[] {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  }

  /** The last lines it wrote (for failure messages). */
  tail(lines = 30): string {
    return this.logLines().slice(-lines).join('\n') || '(no output)';
  }
}
