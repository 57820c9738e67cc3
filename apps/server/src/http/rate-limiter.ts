import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** One sliding window to count in: at most `limit` events in the last `windowMs`. */
export interface RateWindow {
  /** Names what is counted and for whom, e.g. `orders:user:<id>`; REDIS_KEY_PREFIX goes before. */
  key: string;
  limit: number;
  windowMs: number;
}

/** Whether the event may happen, and if not, in how many seconds it may. */
export interface RateDecision {
  allowed: boolean;
  retryAfterSeconds: number;
}

/**
 * Counts events in sliding windows. `take` is all-or-nothing: the event is counted in every
 * window when each has room, and in none when one is full (so a request refused for its address
 * does not use up its user's allowance).
 */
export interface RateLimiter {
  take(windows: RateWindow[]): Promise<RateDecision>;
}

/**
 * The Redis limiter, shared by every instance: one sorted set per window, scored by Redis's own
 * clock (so instances with skewed clocks agree), trimmed and checked and added to in one Lua
 * script (atomic). Each set holds at most `limit` entries and expires with its window.
 */
const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = 0
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[2 * i])
  local window = tonumber(ARGV[2 * i + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  if count >= limit then
    local entry = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
    local free = tonumber(entry[2]) + window - now
    if free > wait then wait = free end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[1])
  redis.call('PEXPIRE', key, tonumber(ARGV[2 * i + 1]))
end
return 0
`;

type TakeCommand = (keyCount: number, ...keysThenArgs: Array<string | number>) => Promise<number>;

/** The decision when the fullest window frees a place in `waitMs` (0: there is room now). */
export const decisionAfter = (waitMs: number): RateDecision =>
  waitMs > 0
    ? { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) }
    : { allowed: true, retryAfterSeconds: 0 };

export function createRedisRateLimiter(redis: Redis): RateLimiter {
  // ioredis puts the connection's keyPrefix (REDIS_KEY_PREFIX) before each of the script's KEYS.
  redis.defineCommand('fenRateTake', { lua: TAKE_SCRIPT });
  const take = (redis as unknown as { fenRateTake: TakeCommand }).fenRateTake.bind(redis);
  return {
    async take(windows) {
      if (windows.length === 0) return decisionAfter(0);
      const keys = windows.map((w) => `ratelimit:${w.key}`);
      const args = windows.flatMap((w) => [w.limit, w.windowMs]);
      return decisionAfter(await take(keys.length, ...keys, randomUUID(), ...args));
    },
  };
}
