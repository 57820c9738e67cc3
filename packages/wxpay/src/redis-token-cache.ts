import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { DEFAULT_LOCK_LEASE_MS, DEFAULT_LOCK_WAIT_MS, lockTimeoutError } from './token-cache.js';
import type { CachedToken, LockOptions, TokenCache } from './token-cache.js';

/** Deletes the lock only if it still holds our token, so a late holder never frees someone else's lock. */
const RELEASE_LOCK_LUA = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`;

export interface RedisTokenCacheOptions {
  /** Prepended to every key. Default `fen:wx:`. */
  prefix?: string;
  /** How often a waiter retries the lock (ms). Default 50. */
  pollMs?: number;
}

/**
 * {@link TokenCache} on Redis (ioredis), shared by every process that uses the same Redis and
 * prefix. The lock is `SET key token NX PX lease` with a random token, released by a
 * compare-and-delete script; waiters poll the lock, and the token provider re-reads the cached
 * value once it holds the lock, so a token refreshed by another process is reused, not refetched.
 */
export class RedisTokenCache implements TokenCache {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #pollMs: number;

  constructor(redis: Redis, options: RedisTokenCacheOptions = {}) {
    this.#redis = redis;
    this.#prefix = options.prefix ?? 'fen:wx:';
    this.#pollMs = options.pollMs ?? 50;
  }

  async get(key: string): Promise<CachedToken | undefined> {
    const raw = await this.#redis.get(this.#prefix + key);
    return raw === null ? undefined : parseCachedToken(raw);
  }

  async set(key: string, token: CachedToken, ttlMs: number): Promise<void> {
    const ttl = Math.max(1, Math.floor(ttlMs));
    await this.#redis.set(this.#prefix + key, JSON.stringify(token), 'PX', ttl);
  }

  async delete(key: string): Promise<void> {
    await this.#redis.del(this.#prefix + key);
  }

  async withLock<T>(key: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
    const lockKey = `${this.#prefix}${key}:lock`;
    const leaseMs = options.leaseMs ?? DEFAULT_LOCK_LEASE_MS;
    const waitMs = options.waitMs ?? DEFAULT_LOCK_WAIT_MS;
    const token = randomUUID();
    const deadline = Date.now() + waitMs;
    while ((await this.#redis.set(lockKey, token, 'PX', leaseMs, 'NX')) !== 'OK') {
      if (Date.now() >= deadline) throw lockTimeoutError(lockKey, waitMs);
      // Jitter keeps several waiting processes from retrying in lockstep.
      await sleep(this.#pollMs + Math.floor(Math.random() * this.#pollMs));
    }
    try {
      return await fn();
    } finally {
      await this.#redis.eval(RELEASE_LOCK_LUA, 1, lockKey, token);
    }
  }
}

/** A value that is not a token we wrote (another program, an old format) counts as absent. */
function parseCachedToken(raw: string): CachedToken | undefined {
  try {
    const parsed = JSON.parse(raw) as Partial<CachedToken>;
    if (
      typeof parsed.value === 'string' &&
      typeof parsed.expiresAt === 'number' &&
      typeof parsed.refreshAt === 'number'
    ) {
      return { value: parsed.value, expiresAt: parsed.expiresAt, refreshAt: parsed.refreshAt };
    }
  } catch {
    // fall through: treated as a cache miss
  }
  return undefined;
}
