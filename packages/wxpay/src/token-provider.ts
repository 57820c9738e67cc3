import type { CachedToken, LockOptions, TokenCache } from './token-cache.js';

/** What a fetch from WeChat yields: the token and its `expires_in` (seconds). */
export interface FetchedToken {
  value: string;
  expiresInSeconds: number;
}

export interface TokenProviderOptions {
  cache: TokenCache;
  /** Cache key, e.g. `wxfe00000000000001:access_token`. */
  key: string;
  /** Asks WeChat for a new token; gets the options of the refresh that needs it. */
  fetch: (reason: RefreshOptions) => Promise<FetchedToken>;
  /** Renew this long before expiry (ms; at most half the token's life). Default 5 minutes. */
  refreshAheadMs?: number;
  /** Clock (epoch ms), injectable for tests. */
  now?: () => number;
  lock?: LockOptions;
}

export interface RefreshOptions {
  /** The token WeChat just refused (40001/42001): a cached token equal to it does not count. */
  rejected?: string;
  /** Fetch even if the cache holds a fresh token. */
  force?: boolean;
}

/** A cached token (access_token, jsapi_ticket) renewed before expiry, once for all callers. */
export interface TokenProvider {
  get(): Promise<string>;
  refresh(options?: RefreshOptions): Promise<string>;
  /** Drops the cached token, so the next `get` fetches. */
  invalidate(): Promise<void>;
}

export const DEFAULT_REFRESH_AHEAD_MS = 5 * 60_000;

/**
 * The refresh shared by access_token and jsapi_ticket (docs/pitfalls.md #15): concurrent callers in
 * this process share one refresh (single flight); processes sharing the cache take its lock and
 * re-read the cache once they hold it (double-checked), so one of them fetches and the others
 * reuse its token. WeChat limits daily fetches, and a new token retires the old one after 5 min.
 */
export function createTokenProvider(options: TokenProviderOptions): TokenProvider {
  const { cache, key } = options;
  const now = options.now ?? Date.now;
  const refreshAheadMs = options.refreshAheadMs ?? DEFAULT_REFRESH_AHEAD_MS;
  let inflight: { promise: Promise<string>; forced: boolean } | undefined;

  const isUsable = (token: CachedToken | undefined, rejected?: string): token is CachedToken =>
    token !== undefined && token.value !== rejected && now() < token.refreshAt;

  async function refreshLocked(refresh: RefreshOptions): Promise<string> {
    return cache.withLock(
      key,
      async () => {
        const cached = await cache.get(key);
        if (!refresh.force && isUsable(cached, refresh.rejected)) return cached.value;
        // A token WeChat refused is dead: drop it now, so a failed fetch cannot leave it cached.
        if (cached !== undefined && cached.value === refresh.rejected) await cache.delete(key);
        const fetched = await options.fetch(refresh);
        const lifetimeMs = Math.max(0, fetched.expiresInSeconds * 1000);
        const fetchedAt = now();
        const token: CachedToken = {
          value: fetched.value,
          expiresAt: fetchedAt + lifetimeMs,
          refreshAt: fetchedAt + lifetimeMs - Math.min(refreshAheadMs, lifetimeMs / 2),
        };
        if (lifetimeMs > 0) await cache.set(key, token, lifetimeMs);
        return token.value;
      },
      options.lock,
    );
  }

  async function refresh(refreshOptions: RefreshOptions = {}): Promise<string> {
    // Join a refresh under way when it serves this caller too; a forced refresh cannot join a
    // plain one, and a refresh that merely re-read the refused token does not count. Bounded, so
    // a stream of other callers cannot keep this one waiting forever.
    for (let joins = 0; inflight !== undefined && joins < 3; joins += 1) {
      const current = inflight;
      if (!refreshOptions.force || current.forced) {
        const value = await current.promise; // its failure is this caller's failure too
        if (value !== refreshOptions.rejected) return value;
      } else {
        await current.promise.catch(() => undefined);
      }
    }
    const promise = refreshLocked(refreshOptions);
    const flight = { promise, forced: refreshOptions.force === true };
    inflight ??= flight;
    try {
      return await promise;
    } finally {
      if (inflight === flight) inflight = undefined;
    }
  }

  return {
    async get() {
      const cached = await cache.get(key);
      // Past its refresh time but not expired: still good to serve if the renewal fails.
      const unexpired = cached !== undefined && now() < cached.expiresAt ? cached.value : undefined;
      if (isUsable(cached)) return cached.value;
      try {
        return await refresh();
      } catch (err) {
        // The early renewal failed, but the token works until it expires: serve it, and the
        // next caller tries the renewal again.
        if (unexpired !== undefined) return unexpired;
        throw err;
      }
    },
    refresh,
    async invalidate() {
      await cache.delete(key);
    },
  };
}
