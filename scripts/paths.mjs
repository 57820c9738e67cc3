// Where Fen keeps what it builds and stores locally.
import { join } from 'node:path';

/** The repository root (this file lives in `scripts/`). */
export const repoRoot = join(import.meta.dirname, '..');

/**
 * Fen's local cache and data folder: `$FEN_CACHE_DIR`, else `.fen/` in the repository (gitignored).
 * @returns {string}
 */
export function cacheDir() {
  return process.env.FEN_CACHE_DIR || join(repoRoot, '.fen');
}

/**
 * Node flags the server runs with: a 4 MiB young generation keeps its memory near 145 MB under
 * load instead of ~175 MB, with no measurable cost (the server waits on the database; see
 * bench/RESULTS.md, "Memory"). `npm start` and the benchmarks both use these.
 */
export const SERVER_NODE_ARGS = ['--max-semi-space-size=4'];
