import { wxPayError } from './errors.js';

/** A token as cached: its value, when WeChat says it expires, and when to renew it (epoch ms). */
export interface CachedToken {
  value: string;
  expiresAt: number;
  refreshAt: number;
}

export interface LockOptions {
  /** How long the lock is held at most if its holder dies (ms). Default 15 000. */
  leaseMs?: number;
  /** How long to wait for the lock before giving up with `TOKEN_LOCK_TIMEOUT` (ms). Default 20 000. */
  waitMs?: number;
}

/**
 * Where access_token / jsapi_ticket live between calls, shared by every caller that uses the same
 * cache (one process with {@link MemoryTokenCache}, many with `RedisTokenCache`).
 */
export interface TokenCache {
  get(key: string): Promise<CachedToken | undefined>;
  /** Stores the token; the cache may drop it after `ttlMs`. */
  set(key: string, token: CachedToken, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Runs `fn` while holding the lock named `key`; only one holder at a time for this cache. */
  withLock<T>(key: string, fn: () => Promise<T>, options?: LockOptions): Promise<T>;
}

export const DEFAULT_LOCK_LEASE_MS = 15_000;
export const DEFAULT_LOCK_WAIT_MS = 20_000;

/** The error a waiter gets when the lock stayed taken for longer than `waitMs`. */
export function lockTimeoutError(key: string, waitMs: number) {
  return wxPayError('api', 'TOKEN_LOCK_TIMEOUT', `lock ${key} still held after ${waitMs} ms`);
}

/** In-process {@link TokenCache}: enough for a single server process. */
export class MemoryTokenCache implements TokenCache {
  readonly #entries = new Map<string, { token: CachedToken; dropAt: number }>();
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #now: () => number;

  /** @param options.now the clock (epoch ms), injectable for tests. */
  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  async get(key: string): Promise<CachedToken | undefined> {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.dropAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return { ...entry.token };
  }

  async set(key: string, token: CachedToken, ttlMs: number): Promise<void> {
    this.#entries.set(key, { token: { ...token }, dropAt: this.#now() + ttlMs });
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  /** A promise chain per key: each holder starts when the previous one settled. */
  async withLock<T>(key: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
    const waitMs = options.waitMs ?? DEFAULT_LOCK_WAIT_MS;
    const previous = this.#locks.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.#locks.set(key, tail);
    try {
      await waitFor(previous, waitMs, key);
      return await fn();
    } finally {
      release();
      if (this.#locks.get(key) === tail) this.#locks.delete(key);
    }
  }
}

async function waitFor(previous: Promise<unknown>, waitMs: number, key: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(lockTimeoutError(key, waitMs)), waitMs);
  });
  try {
    await Promise.race([previous.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
