import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { inject } from 'vitest';

/** Values a vitest global setup may provide; absent until the shared setup lands. */
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

export function redisUrl(): string {
  return provided('redisUrl') ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** A fresh database URI (`fen_test_<random>`) on the test server, for one test file. */
export function uniqueDatabaseUri(base = mongoServerUri()): string {
  const url = new URL(base);
  url.pathname = `/fen_test_${randomBytes(6).toString('hex')}`;
  return url.toString();
}

/** Drops a database made by {@link uniqueDatabaseUri}. */
export async function dropDatabase(uri: string): Promise<void> {
  const connection = await mongoose.createConnection(uri).asPromise();
  try {
    await connection.dropDatabase();
  } finally {
    await connection.close();
  }
}
