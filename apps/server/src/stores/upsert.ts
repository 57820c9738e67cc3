import { isDuplicateKeyError } from './ids.js';

/**
 * Runs an upsert, retrying once on a duplicate-key error: two concurrent upserts of the same new
 * key can both try to insert, and the loser must then match the winner's document.
 */
export async function upsertWithRetry<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await run();
    } catch (err) {
      if (!isDuplicateKeyError(err) || attempt >= 3) throw err;
    }
  }
}
