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
