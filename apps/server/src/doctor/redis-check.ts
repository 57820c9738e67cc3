import { RedisTokenCache } from '@fen/wxpay';
import { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { fail, messageOf, ok, warn } from './check.js';
import type { CheckResult } from './check.js';

export const REDIS_CHECK = 'Redis (shared token cache)';

/** The server's Redis, opened as the server opens it (same key prefix), bounded in time. */
export interface SharedCache {
  result: CheckResult;
  /** The server's token cache; undefined without REDIS_URL or when it is unreachable. */
  tokenCache?: RedisTokenCache;
  close(): Promise<void>;
}

export async function openSharedCache(config: Config, timeoutMs: number): Promise<SharedCache> {
  if (!config.redisUrl) {
    return {
      result: warn(
        REDIS_CHECK,
        'REDIS_URL is not set: each instance keeps its own access_token and platform certificates; set it before running more than one instance',
      ),
      close: async () => {},
    };
  }
  const redis = new Redis(config.redisUrl, {
    lazyConnect: true,
    keyPrefix: config.redisKeyPrefix,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  redis.on('error', () => {}); // reported below through connect's rejection
  const close = async () => {
    await redis.quit().catch(() => redis.disconnect());
  };
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    return {
      result: fail(
        REDIS_CHECK,
        `REDIS_URL does not answer (${messageOf(err)}): start Redis or correct REDIS_URL`,
      ),
      close: async () => {},
    };
  }
  return { result: ok(REDIS_CHECK, 'answers'), tokenCache: new RedisTokenCache(redis), close };
}
