import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMongoLease, createRedisLease } from '../src/jobs/lease.js';
import type { Lease } from '../src/jobs/lease.js';
import { connectDatabase } from '../src/stores/database.js';
import type { Database } from '../src/stores/database.js';
import { dropDatabase, redisUrl, uniqueDatabaseUri } from '@fen/test-support';

const uri = uniqueDatabaseUri();
let db: Database;
let redis: Redis;
let now = new Date('2030-01-01T00:00:00Z');

beforeAll(async () => {
  db = await connectDatabase(uri);
  redis = new Redis(redisUrl(), { lazyConnect: true });
  await redis.connect();
}, 20_000);

afterAll(async () => {
  await redis.quit();
  await db.close();
  await dropDatabase(uri);
});

function contract(name: string, make: () => Lease, passTime: (ms: number) => Promise<void>) {
  describe(`${name} lease`, () => {
    const key = `test-${Math.random().toString(36).slice(2)}`;
    let holder = '';

    it('when several owners race for a free lease, then exactly one gets it', async () => {
      const lease = make();
      const owners = Array.from({ length: 8 }, (_, i) => `owner-${i}`);
      const results = await Promise.all(owners.map((owner) => lease.acquire(key, owner, 300)));
      expect(results.filter(Boolean)).toHaveLength(1);
      holder = owners[results.indexOf(true)] ?? '';
    });

    it('when the holder asks again, then it renews; others still cannot take it', async () => {
      const lease = make();
      expect(await lease.acquire(key, holder, 300)).toBe(true);
      expect(await lease.acquire(key, 'intruder', 300)).toBe(false);
    });

    it('when the lease expires or is released, then another owner can take it', async () => {
      const lease = make();
      await passTime(400);
      expect(await lease.acquire(key, 'next', 60_000)).toBe(true);
      await lease.release(key, 'someone-else');
      expect(await lease.acquire(key, 'third', 60_000)).toBe(false);
      await lease.release(key, 'next');
      expect(await lease.acquire(key, 'third', 60_000)).toBe(true);
      await lease.release(key, 'third');
    });
  });
}

contract(
  'MongoDB',
  () => createMongoLease(db.models.Lease, () => now),
  async (ms) => {
    now = new Date(now.getTime() + ms);
  },
);

contract(
  'Redis',
  () => createRedisLease(redis, `fen-test:${process.pid}:`),
  (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
);
