import type { ClaimDoc } from '../../src/stores/claim-model.js';
import type { ClaimResult, ClaimStore } from '../../src/stores/claim-store.js';
import { copy } from './copy.js';

/**
 * Once-only decisions in memory: the first claim of a key wins and every later one gets the
 * winner's change back (a copy), as the real store's unique insert does.
 */
export function createInMemoryClaimStore(): ClaimStore {
  const claims = new Map<string, ClaimDoc>();

  return {
    async claim<C extends Record<string, unknown>>(
      key: string,
      change: C,
      now: Date,
    ): Promise<ClaimResult<C>> {
      const existing = claims.get(key);
      if (!existing) {
        claims.set(key, { _id: key, change: copy(change), createdAt: copy(now) });
        return { won: true, change, applied: false };
      }
      return {
        won: false,
        change: copy(existing.change) as C,
        applied: existing.appliedAt !== undefined,
      };
    },

    async markApplied(key, now) {
      const claim = claims.get(key);
      if (claim && claim.appliedAt === undefined) claim.appliedAt = copy(now);
    },

    async find(key) {
      const claim = claims.get(key);
      return claim ? copy(claim) : null;
    },
  };
}
