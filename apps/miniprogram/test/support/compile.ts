import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Vitest global setup: `tsc -b` the mini-program (incremental: a no-op after `pnpm build`), so
 * the tests never run JavaScript older than its source.
 */
export default function compile(): void {
  const project = join(dirname(fileURLToPath(import.meta.url)), '../../tsconfig.json');
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-b', project], { stdio: 'inherit' });
}
