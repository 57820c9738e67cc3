// A Redis URL for development and tests: $REDIS_URL, else one answering on 127.0.0.1:6379, else a
// redis-server started here on a free port (installed from apt first if missing).
//
//   node scripts/redis.mjs             ensure one, print REDIS_URL, stop ours on Ctrl-C
//   node scripts/redis.mjs --install   only make sure redis-server is installed
import { spawnOwned, waitUntil } from './children.mjs';
import { freePort } from './free-port.mjs';
import { runIfMain, stopOnSignal } from './cli.mjs';
import { ensureAptPackage } from './apt.mjs';
import { outputOf } from './run.mjs';
import { tcpCheck } from './tcp.mjs';

const HOST = '127.0.0.1';
const DEFAULT_PORT = 6379;

/**
 * @typedef {object} RedisHandle
 * @property {string} url
 * @property {'external' | 'local' | 'started'} source external: $REDIS_URL; local: the one on
 *   6379; started: a redis-server this process started (and stop() stops)
 * @property {() => Promise<void>} stop
 */

/**
 * @param {{log?: (line: string) => void}} [options]
 * @returns {Promise<RedisHandle>}
 */
export async function ensureRedis({ log = (line) => console.error(line) } = {}) {
  if (process.env.REDIS_URL) {
    return { url: process.env.REDIS_URL, source: 'external', stop: async () => {} };
  }
  if (await redisPing(HOST, DEFAULT_PORT)) {
    return { url: `redis://${HOST}:${DEFAULT_PORT}`, source: 'local', stop: async () => {} };
  }
  await ensureRedisInstalled(log);
  const port = await freePort(HOST);
  // Not daemonized, so it is our child: it stops with stop() or when this process exits.
  const redis = spawnOwned('redis-server', [
    '--bind',
    HOST,
    '--port',
    String(port),
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
  ]);
  try {
    await waitUntil(() => redisPing(HOST, port), {
      what: `redis-server on ${HOST}:${port}`,
      timeoutMs: 15_000,
      failed: () => (redis.exited() ? `it exited:\n${redis.output()}` : undefined),
    });
  } catch (error) {
    await redis.stop();
    throw error;
  }
  return { url: `redis://${HOST}:${port}`, source: 'started', stop: () => redis.stop() };
}

/**
 * Installs redis-server with apt-get when it is not on PATH (as root, or with passwordless sudo).
 * @param {(line: string) => void} log
 */
export function ensureRedisInstalled(log) {
  return ensureAptPackage({
    pkg: 'redis-server',
    isInstalled: () => outputOf('redis-server', ['--version']) !== undefined,
    hint: 'install Redis yourself, or set REDIS_URL=redis://…',
    log,
  });
}

/**
 * Whether a Redis that needs no password answers PING on host:port.
 * @returns {Promise<boolean>}
 */
export function redisPing(host, port, timeoutMs = 1000) {
  return tcpCheck(host, port, {
    send: 'PING\r\n',
    answer: (received) =>
      received.includes('\r\n') ? received.toString().startsWith('+PONG') : undefined,
    timeoutMs,
  });
}

async function main() {
  if (process.argv.includes('--install')) {
    // Only needed when the tests will have to start a Redis of their own.
    if (process.env.REDIS_URL || (await redisPing(HOST, DEFAULT_PORT))) return;
    await ensureRedisInstalled((line) => console.error(line));
    return;
  }
  const redis = await ensureRedis();
  console.log(`REDIS_URL=${redis.url}`);
  if (redis.source !== 'started') return;
  console.log('redis-server is running. Ctrl-C stops it.');
  stopOnSignal(redis.stop);
}

runIfMain(import.meta.url, main);
