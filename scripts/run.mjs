// Running commands from the scripts: inherit the terminal, fail with a clear message.
import { spawn, spawnSync } from 'node:child_process';

/**
 * Runs a command with the terminal attached; resolves with its exit code (never rejects on a
 * non-zero code, only when it cannot start).
 * @param {string} command
 * @param {string[]} args
 * @param {import('node:child_process').SpawnOptions} [options]
 * @returns {Promise<number>}
 */
export function runInherit(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', ...options });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/**
 * Runs a command and throws with its output if it fails.
 * @param {string} command
 * @param {string[]} args
 * @param {import('node:child_process').SpawnOptions} [options]
 */
export async function runOrThrow(command, args, options = {}) {
  const code = await runInherit(command, args, options);
  if (code !== 0) throw new Error(`\`${[command, ...args].join(' ')}\` failed (exit code ${code})`);
}

/**
 * The trimmed stdout of a quick command, or undefined when it is missing or fails.
 * @param {string} command
 * @param {string[]} args
 * @param {import('node:child_process').SpawnSyncOptions} [options]
 * @returns {string | undefined}
 */
export function outputOf(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000, ...options });
  if (result.error || result.status !== 0) return undefined;
  return String(result.stdout).trim();
}
