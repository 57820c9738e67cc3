import { randomBytes } from 'node:crypto';
import { redisUrl } from '@fen/test-support';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { addressBucket } from '../src/http/client-ip.js';
import { createMemoryRateLimiter } from '../src/http/rate-limiter-memory.js';
import { createRedisRateLimiter } from '../src/http/rate-limiter.js';

const window = (key: string, limit: number, windowMs = 60_000) => ({ key, limit, windowMs });

describe('the Redis sliding window', () => {
  const prefix = `fen-limiter-test-${randomBytes(4).toString('hex')}:`;
  const redis = new Redis(redisUrl(), { keyPrefix: prefix, maxRetriesPerRequest: 1 });
  afterAll(async () => {
    const plain = new Redis(redisUrl());
    const keys = await plain.keys(`${prefix}*`);
    if (keys.length > 0) await plain.del(...keys);
    await plain.quit();
    await redis.quit();
  });

  it('when a window is full, then it refuses with the seconds until a place frees, under REDIS_KEY_PREFIX', async () => {
    const limiter = createRedisRateLimiter(redis);
    expect((await limiter.take([window('a', 2, 30_000)])).allowed).toBe(true);
    expect((await limiter.take([window('a', 2, 30_000)])).allowed).toBe(true);
    const refused = await limiter.take([window('a', 2, 30_000)]);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(29);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(30);
    const plain = new Redis(redisUrl());
    try {
      expect(await plain.zcard(`${prefix}ratelimit:a`)).toBe(2);
      expect(await plain.pttl(`${prefix}ratelimit:a`)).toBeGreaterThan(0);
    } finally {
      await plain.quit();
    }
  });

  it('when one of two windows is full, then the request is counted in neither', async () => {
    const limiter = createRedisRateLimiter(redis);
    expect((await limiter.take([window('full', 1)])).allowed).toBe(true);
    expect((await limiter.take([window('free', 5), window('full', 1)])).allowed).toBe(false);
    expect(await redis.zcard('ratelimit:free')).toBe(0);
  });

  it('when a window slides past the oldest entry, then a place frees', async () => {
    const limiter = createRedisRateLimiter(redis);
    expect((await limiter.take([window('slide', 1, 200)])).allowed).toBe(true);
    expect((await limiter.take([window('slide', 1, 200)])).allowed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await limiter.take([window('slide', 1, 200)])).allowed).toBe(true);
  });
});

describe('the in-process fallback (sandbox mode without Redis)', () => {
  it('when more addresses arrive than it remembers, then it forgets old counts and locks nobody out', async () => {
    let now = 0;
    const limiter = createMemoryRateLimiter({ maxKeys: 100, now: () => now });
    for (let i = 0; i < 1000; i += 1) {
      expect((await limiter.take([window(`flood-${i}`, 1)])).allowed).toBe(true);
    }
    expect((await limiter.take([window('newcomer', 1)])).allowed).toBe(true);
    expect(await limiter.take([window('newcomer', 1)])).toEqual({
      allowed: false,
      retryAfterSeconds: 60,
    });
    now += 60_000;
    expect((await limiter.take([window('newcomer', 1)])).allowed).toBe(true);
  });
});

describe('addressBucket', () => {
  it('when addresses are IPv6, then one /64 is one bucket; IPv4 addresses stay apart', () => {
    expect(addressBucket('2001:db8:1:2::a')).toBe('2001:db8:1:2::/64');
    expect(addressBucket('2001:0DB8:0001:0002:ffff:0:0:1')).toBe('2001:db8:1:2::/64');
    expect(addressBucket('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressBucket('::ffff:1.2.3.4')).toBe('0:0:0:0::/64');
    expect(addressBucket('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressBucket('198.51.100.7')).toBe('198.51.100.7');
  });
});
