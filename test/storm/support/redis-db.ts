import { Redis } from 'ioredis';

/**
 * The run's Redis with a logical database of the storm's own: the server's job lease has a fixed
 * key (`fen:lease:reconcile`), and another server on the same Redis (`npm start`, another run)
 * must neither hold the storm's lease nor be held up by it. Picks a database where that key is
 * free.
 */
export async function stormRedisUrl(base: string): Promise<string> {
  const tried: number[] = [];
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const db = 1 + Math.floor(Math.random() * 15);
    const url = new URL(base);
    url.pathname = `/${db}`;
    const redis = new Redis(url.toString(), { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      if ((await redis.exists('fen:lease:reconcile')) === 0) return url.toString();
      tried.push(db);
    } finally {
      redis.disconnect();
    }
  }
  throw new Error(`no free Redis database for the storm (lease held in ${tried.join(', ')})`);
}
