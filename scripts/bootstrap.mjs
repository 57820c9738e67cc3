// Makes a fresh clone ready: pnpm at the version package.json pins, dependencies installed from
// the lockfile. Plain Node, so it runs before anything is installed.
//
//   node scripts/bootstrap.mjs
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runIfMain } from './cli.mjs';
import { cacheDir, repoRoot } from './paths.mjs';
import { outputOf, runOrThrow } from './run.mjs';

/** The pnpm version in package.json's `packageManager` ("pnpm@10.34.8"). */
export function pinnedPnpmVersion() {
  const { packageManager = '' } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  const match = /^pnpm@(\d+\.\d+\.\d+)/.exec(packageManager);
  if (!match)
    throw new Error(`package.json: packageManager "${packageManager}" does not pin pnpm@x.y.z`);
  return match[1];
}

/**
 * The pnpm command to run, installing the pinned version with npm when needed: globally, or into
 * the cache folder when the global prefix is not writable (corepack cannot fetch pnpm everywhere).
 * @returns {Promise<string>}
 */
export async function ensurePnpm(log = (line) => console.error(line)) {
  const version = pinnedPnpmVersion();
  if (outputOf('pnpm', ['--version']) === version) return 'pnpm';
  const localPrefix = join(cacheDir(), 'tools');
  const localPnpm = join(localPrefix, 'bin', 'pnpm');
  if (existsSync(localPnpm) && outputOf(localPnpm, ['--version']) === version) return localPnpm;

  log(`[fen] installing pnpm ${version} with npm`);
  try {
    await runOrThrow('npm', ['install', '--global', '--no-fund', '--no-audit', `pnpm@${version}`]);
    if (outputOf('pnpm', ['--version']) === version) return 'pnpm';
  } catch {
    log('[fen] global install failed; installing pnpm into the cache folder instead');
  }
  await runOrThrow('npm', [
    'install',
    '--global',
    '--prefix',
    localPrefix,
    '--no-fund',
    '--no-audit',
    `pnpm@${version}`,
  ]);
  return localPnpm;
}

/** Whether `pnpm install` is due: no node_modules, or the lockfile changed since the last install. */
function installIsDue() {
  const marker = join(repoRoot, 'node_modules', '.modules.yaml');
  if (!existsSync(marker)) return true;
  return statSync(join(repoRoot, 'pnpm-lock.yaml')).mtimeMs > statSync(marker).mtimeMs;
}

/**
 * pnpm at the pinned version and dependencies from the lockfile; returns the pnpm command.
 * @returns {Promise<string>}
 */
export async function bootstrap({ log = (line) => console.error(line) } = {}) {
  const pnpm = await ensurePnpm(log);
  if (installIsDue()) {
    log('[fen] installing dependencies (pnpm install --frozen-lockfile)');
    await runOrThrow(pnpm, ['install', '--frozen-lockfile'], { cwd: repoRoot });
  }
  return pnpm;
}

runIfMain(import.meta.url, async () => {
  await bootstrap();
});
