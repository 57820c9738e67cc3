import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

/** The test Redis: the global setup's `redisUrl` when provided, else the local default. */
export function testRedisUrl(): string {
  let provided: unknown;
  try {
    provided = (inject as (key: string) => unknown)('redisUrl');
  } catch {
    provided = undefined;
  }
  return typeof provided === 'string' && provided !== ''
    ? provided
    : (process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
}

/** A key prefix no other test (or run) shares. */
export function uniquePrefix(): string {
  return `fen_test:${randomBytes(6).toString('hex')}:`;
}
