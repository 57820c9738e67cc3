/** Whether one more request may pass, and if not, when to come back. */
export interface RateDecision {
  allowed: boolean;
  retryAfterSeconds: number;
}

export interface RateLimiterOptions {
  /** Requests one key may make per window. */
  limit: number;
  windowMs: number;
  /** Distinct keys tracked per window; beyond it, unseen keys wait for the next window. */
  maxKeys?: number;
  now?: () => number;
}

/**
 * A fixed-window counter per key (a client IP), in this process's memory. Every count is
 * forgotten when the window ends, so memory is bounded by `maxKeys`; a flood from more addresses
 * than that holds new ones back until the next window rather than growing without limit.
 */
export function createRateLimiter(options: RateLimiterOptions) {
  const { limit, windowMs, maxKeys = 50_000, now = Date.now } = options;
  const counts = new Map<string, number>();
  let windowEnds = 0;
  return function take(key: string): RateDecision {
    const at = now();
    if (at >= windowEnds) {
      counts.clear();
      windowEnds = at + windowMs;
    }
    const retryAfterSeconds = Math.max(1, Math.ceil((windowEnds - at) / 1000));
    const used = counts.get(key);
    if (used === undefined && counts.size >= maxKeys) return { allowed: false, retryAfterSeconds };
    if ((used ?? 0) >= limit) return { allowed: false, retryAfterSeconds };
    counts.set(key, (used ?? 0) + 1);
    return { allowed: true, retryAfterSeconds: 0 };
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
