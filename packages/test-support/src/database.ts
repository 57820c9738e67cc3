import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { inject } from 'vitest';

/** A value the vitest global setup provides (test/support/global-setup.ts), if there is one. */
function provided(key: string): string | undefined {
  try {
    return (inject as (k: string) => unknown)(key) as string | undefined;
  } catch {
    return undefined;
  }
}

/** The test database server: the global setup's, else $MONGODB_URI, else the dev FerretDB. */
export function mongoServerUri(): string {
  return provided('mongodbUri') ?? process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017';
}

/** The test Redis: the global setup's, else $REDIS_URL, else the local default. */
export function redisUrl(): string {
  return provided('redisUrl') ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/**
 * A fresh database on `base` (default {@link mongoServerUri}), `fen_test_<label>_<random>`, for
 * one test file; keeps credentials and options of the URI. The label is cut and cleaned to what
 * FerretDB accepts (letters, digits, `_`, `-`; 63 characters at most).
 */
export function uniqueDatabaseUri(options: { label?: string; base?: string } = {}): string {
  const url = new URL(options.base ?? mongoServerUri());
  const label = options.label
    ? `${options.label.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 30)}_`
    : '';
  url.pathname = `/fen_test_${label}${randomBytes(6).toString('hex')}`;
  return url.toString();
}

/** Drops the database named in `uri` (one made by {@link uniqueDatabaseUri}). */
export async function dropDatabase(uri: string): Promise<void> {
  const connection = await mongoose
    .createConnection(uri, { serverSelectionTimeoutMS: 5000 })
    .asPromise();
  try {
    await connection.dropDatabase();
  } finally {
    await connection.close();
  }
}
