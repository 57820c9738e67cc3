import type { ClaimDoc } from './claim-model.js';
import type { Models } from './database.js';
import { isDuplicateKeyError } from './ids.js';

export interface ClaimResult<C> {
  /** True when this call made the decision; false when an earlier one stands. */
  won: boolean;
  /** The decision that stands (ours or the earlier one). */
  change: C;
  applied: boolean;
}

/** Once-only decisions by unique insert (see {@link ClaimDoc}). */
export function createClaimStore(Claim: Models['Claim']) {
  return {
    async claim<C extends Record<string, unknown>>(
      key: string,
      change: C,
      now: Date,
    ): Promise<ClaimResult<C>> {
      try {
        await Claim.create({ _id: key, change, createdAt: now });
        return { won: true, change, applied: false };
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
      const existing = await Claim.findById(key).lean<ClaimDoc>();
      if (!existing) throw new Error(`claim ${key} vanished`);
      return {
        won: false,
        change: existing.change as C,
        applied: existing.appliedAt !== undefined,
      };
    },

    async markApplied(key: string, now: Date): Promise<void> {
      await Claim.updateOne(
        { _id: key, appliedAt: { $exists: false } },
        { $set: { appliedAt: now } },
      );
    },

    async find(key: string): Promise<ClaimDoc | null> {
      return Claim.findById(key).lean<ClaimDoc>();
    },
  };
}

export type ClaimStore = ReturnType<typeof createClaimStore>;
