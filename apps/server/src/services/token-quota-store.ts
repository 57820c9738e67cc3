import type { Redis } from 'ioredis';
import type { TokenQuotaKind } from '@fen/contracts';

/** A pause after WeChat's 45009: since when, and until when (the next Asia/Shanghai midnight). */
export interface QuotaBlock {
  sinceMs: number;
  untilMs: number;
}

/**
 * Where the token quota's counts, pauses and resets live: Redis, shared by every instance (keys
 * under the client's REDIS_KEY_PREFIX), or this process alone without Redis (sandbox mode only).
 * Times are the caller's clock; Redis expiries only clean up.
 */
export interface TokenQuotaStore {
  /** One more fetch of `kind` for `appId` on `day`. */
  countFetch(day: string, appId: string, kind: TokenQuotaKind): Promise<void>;
  fetches(day: string, appId: string): Promise<Record<TokenQuotaKind, number>>;
  /** Records the pause unless one is recorded (even a stale one); true when this call did. */
  block(appId: string, kind: TokenQuotaKind, block: QuotaBlock): Promise<boolean>;
  blockOf(appId: string, kind: TokenQuotaKind): Promise<QuotaBlock | undefined>;
  /** Drops the pauses of `kinds` (default all). */
  unblock(appId: string, kinds?: readonly TokenQuotaKind[]): Promise<void>;
  recordReset(appId: string, reset: { operator: string; atMs: number }): Promise<void>;
  lastReset(appId: string): Promise<{ operator: string; atMs: number } | undefined>;
}

export const TOKEN_QUOTA_KINDS: readonly TokenQuotaKind[] = ['access_token', 'jsapi_ticket'];
/** Counts outlive their day a little (an operator reads yesterday's early in the morning). */
const COUNT_TTL_S = 2 * 86_400;
/** WeChat allows 10 resets a month: a reset is worth showing for about that long. */
const RESET_TTL_S = 31 * 86_400;

const countKey = (day: string, appId: string, kind: TokenQuotaKind) =>
  `token-quota:count:${day}:${appId}:${kind}`;
const blockKey = (appId: string, kind: TokenQuotaKind) => `token-quota:block:${appId}:${kind}`;
const resetKey = (appId: string) => `token-quota:reset:${appId}`;

function parseJson<T>(raw: string | null | undefined, valid: (v: Partial<T>) => boolean) {
  if (!raw) return undefined;
  try {
    const parsed = JSON.parse(raw) as Partial<T>;
    return valid(parsed) ? (parsed as T) : undefined;
  } catch {
    return undefined;
  }
}
const isBlock = (v: Partial<QuotaBlock>) =>
  typeof v.sinceMs === 'number' && typeof v.untilMs === 'number';
const isReset = (v: Partial<{ operator: string; atMs: number }>) =>
  typeof v.operator === 'string' && typeof v.atMs === 'number';

export function createRedisTokenQuotaStore(redis: Redis): TokenQuotaStore {
  return {
    async countFetch(day, appId, kind) {
      const key = countKey(day, appId, kind);
      await redis.multi().incr(key).expire(key, COUNT_TTL_S).exec();
    },
    async fetches(day, appId) {
      const values = await redis.mget(...TOKEN_QUOTA_KINDS.map((k) => countKey(day, appId, k)));
      return {
        access_token: Number(values[0] ?? 0),
        jsapi_ticket: Number(values[1] ?? 0),
      };
    },
    async block(appId, kind, block) {
      // Gone at the day's end; blockOf's caller still compares untilMs with its own clock.
      const ttlMs = Math.max(1, block.untilMs - block.sinceMs);
      const reply = await redis.set(
        blockKey(appId, kind),
        JSON.stringify(block),
        'PX',
        ttlMs,
        'NX',
      );
      return reply === 'OK';
    },
    async blockOf(appId, kind) {
      return parseJson<QuotaBlock>(await redis.get(blockKey(appId, kind)), isBlock);
    },
    async unblock(appId, kinds = TOKEN_QUOTA_KINDS) {
      await redis.del(...kinds.map((k) => blockKey(appId, k)));
    },
    async recordReset(appId, reset) {
      await redis.set(resetKey(appId), JSON.stringify(reset), 'EX', RESET_TTL_S);
    },
    async lastReset(appId) {
      return parseJson(await redis.get(resetKey(appId)), isReset);
    },
  };
}

/** This process alone: sandbox mode without Redis. */
export function createMemoryTokenQuotaStore(): TokenQuotaStore {
  const counts = new Map<string, number>();
  const blocks = new Map<string, QuotaBlock>();
  const resets = new Map<string, { operator: string; atMs: number }>();
  return {
    async countFetch(day, appId, kind) {
      // Only today's counts matter: drop the other days' as a new day starts.
      for (const key of counts.keys()) if (!key.includes(`:${day}:`)) counts.delete(key);
      const key = countKey(day, appId, kind);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    },
    async fetches(day, appId) {
      return {
        access_token: counts.get(countKey(day, appId, 'access_token')) ?? 0,
        jsapi_ticket: counts.get(countKey(day, appId, 'jsapi_ticket')) ?? 0,
      };
    },
    async block(appId, kind, block) {
      const key = blockKey(appId, kind);
      if (blocks.has(key)) return false;
      blocks.set(key, block);
      return true;
    },
    async blockOf(appId, kind) {
      return blocks.get(blockKey(appId, kind));
    },
    async unblock(appId, kinds = TOKEN_QUOTA_KINDS) {
      for (const kind of kinds) blocks.delete(blockKey(appId, kind));
    },
    async recordReset(appId, reset) {
      resets.set(appId, reset);
    },
    async lastReset(appId) {
      return resets.get(appId);
    },
  };
}
