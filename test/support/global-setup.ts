import type {} from './provided-context.js';
import type { TestProject } from 'vitest/node';
import { ensureFerretDb } from '@fen/scripts/ferretdb/build.mjs';
import { startMongo } from '@fen/scripts/mongo.mjs';
import { ensureRedis } from '@fen/scripts/redis.mjs';

/**
 * Runs once per vitest run (wired in the root vitest.config.ts): a MongoDB-protocol server and a
 * Redis for every project. Vitest merges the root project's provided values into each project's,
 * so `inject('mongodbUri')` works in every package's tests. The same values go into process.env
 * (MONGODB_URI, REDIS_URL, FERRETDB_BIN), which the test workers and the processes they spawn
 * inherit.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (line: string) => console.error(line);
  const mongo = await startMongo({ log });
  let redis;
  try {
    redis = await ensureRedis({ log });
  } catch (error) {
    await mongo.stop();
    throw error;
  }
  if (mongo.source === 'ferretdb') process.env.FERRETDB_BIN ??= await ensureFerretDb({ log });
  process.env.MONGODB_URI = mongo.uri;
  process.env.REDIS_URL = redis.url;
  project.provide('mongodbUri', mongo.uri);
  project.provide('mongodbSource', mongo.source);
  project.provide('redisUrl', redis.url);
  console.error(
    `[fen] tests use MongoDB ${mongo.uri} (${mongo.source}) and Redis ${redis.url} (${redis.source})`,
  );

  return async () => {
    await Promise.all([mongo.stop(), redis.stop()]);
  };
}
