// Child processes that die with the script that started them.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const running = new Set();

// A backstop for any path that exits without stopping its children (an uncaught error,
// process.exit). Graceful stops happen earlier, in each owner's stop().
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Spawns a process that is killed when this process exits, keeping the last lines of its output
 * for error messages.
 * @param {string} command
 * @param {string[]} args
 * @param {import('node:child_process').SpawnOptions & {prefix?: string}} [options] prefix: also
 *   print each line it writes, after this prefix
 */
export function spawnOwned(command, args, { prefix, ...options } = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const tail = [];
  const keep = (line) => {
    if (prefix !== undefined) console.log(`${prefix} ${line}`);
    tail.push(line);
    if (tail.length > 40) tail.shift();
  };
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream, crlfDelay: Infinity }).on('line', keep);
  }
  running.add(child);
  child.once('exit', () => running.delete(child));
  return {
    child,
    /** The last lines it printed. */
    output: () => tail.join('\n'),
    /** Whether it has exited. */
    exited: () => child.exitCode !== null || child.signalCode !== null,
    /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
    stop: (graceMs = 5000) => stopChild(child, graceMs),
  };
}

/**
 * SIGTERM to `child`, then SIGKILL after `graceMs`; resolves once it has exited.
 * @param {import('node:child_process').ChildProcess} child
 * @param {number} graceMs
 * @returns {Promise<void>}
 */
export function stopChild(child, graceMs) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Polls `check` until it resolves true; throws after `timeoutMs` or when `failed()` says the
 * thing being waited for is gone.
 * @param {() => Promise<boolean>} check
 * @param {{what: string, timeoutMs?: number, intervalMs?: number, failed?: () => string | undefined}} options
 */
export async function waitUntil(check, { what, timeoutMs = 30_000, intervalMs = 100, failed }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    const reason = failed?.();
    if (reason) throw new Error(`${what}: ${reason}`);
    if (Date.now() > deadline) throw new Error(`${what}: no answer within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
