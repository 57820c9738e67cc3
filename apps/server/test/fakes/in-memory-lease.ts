import type { Lease } from '../../src/jobs/lease.js';

/**
 * Named leases in memory, on the given clock (so a test passes time instead of waiting): a lease
 * is taken when free, expired or already ours, and released only by its owner.
 */
export function createInMemoryLease(now: () => Date): Lease {
  const leases = new Map<string, { owner: string; expiresAt: number }>();

  return {
    async acquire(name, owner, ttlMs) {
      const at = now().getTime();
      const held = leases.get(name);
      if (held && held.owner !== owner && held.expiresAt > at) return false;
      leases.set(name, { owner, expiresAt: at + ttlMs });
      return true;
    },

    async release(name, owner) {
      if (leases.get(name)?.owner === owner) leases.delete(name);
    },
  };
}
