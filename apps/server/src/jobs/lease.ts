import type { Redis } from 'ioredis';
import type { Models } from '../stores/database.js';
import type { LeaseDoc } from '../stores/lease-model.js';
import { isDuplicateKeyError } from '../stores/ids.js';

/**
 * A named, expiring lock shared by every server process: only the holder runs the job. It
 * expires on its own, so a crashed holder blocks nobody for longer than the lease.
 */
export interface Lease {
  /** True when this owner now holds the lease (newly or renewed) for `ttlMs`. */
  acquire(name: string, owner: string, ttlMs: number): Promise<boolean>;
  release(name: string, owner: string): Promise<void>;
}

/** Redis: SET NX PX, renewed and released only by the owner (compare in a script). */
export function createRedisLease(redis: Redis, prefix = 'fen:lease:'): Lease {
  const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
  const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
  return {
    async acquire(name, owner, ttlMs) {
      const key = prefix + name;
      if ((await redis.set(key, owner, 'PX', ttlMs, 'NX')) === 'OK') return true;
      return (await redis.eval(RENEW, 1, key, owner, String(ttlMs))) === 1;
    },
    async release(name, owner) {
      await redis.eval(RELEASE, 1, prefix + name, owner);
    },
  };
}

/**
 * MongoDB: one document per lease. Taking it is a conditional upsert — it matches only when the
 * lease is expired or already ours; otherwise the upsert hits the unique `_id` and fails.
 */
export function createMongoLease(Lease: Models['Lease'], now: () => Date): Lease {
  return {
    async acquire(name, owner, ttlMs) {
      const at = now();
      try {
        const doc = await Lease.findOneAndUpdate(
          { _id: name, $or: [{ expiresAt: { $lte: at } }, { owner }] },
          { $set: { owner, expiresAt: new Date(at.getTime() + ttlMs) } },
          { upsert: true, returnDocument: 'after' },
        ).lean<LeaseDoc>();
        return doc?.owner === owner;
      } catch (err) {
        if (isDuplicateKeyError(err)) return false;
        throw err;
      }
    },
    async release(name, owner) {
      await Lease.deleteOne({ _id: name, owner });
    },
  };
}
