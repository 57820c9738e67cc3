import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isWxPayError } from '../src/errors.js';
import { RedisTokenCache } from '../src/redis-token-cache.js';
import { createWeChatApi } from '../src/wechat-api.js';
import { delay, replyJson, startFakeWeChat } from './support/fake-wechat.js';
import type { FakeWeChat } from './support/fake-wechat.js';
import { testRedisUrl, uniquePrefix } from './support/redis-url.js';
import { DEMO } from './support/wechat-demo.js';

const redisUrl = testRedisUrl();
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const childScript = fileURLToPath(new URL('./fixtures/refresh-token-child.mjs', import.meta.url));
const clients: Redis[] = [];
const prefixes: string[] = [];

function connect(): Redis {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  clients.push(redis);
  return redis;
}

function newPrefix(): string {
  const prefix = uniquePrefix();
  prefixes.push(prefix);
  return prefix;
}

const token = (value: string, lifeMs = 60_000) => ({
  value,
  expiresAt: Date.now() + lifeMs,
  refreshAt: Date.now() + lifeMs / 2,
});

let wechat: FakeWeChat | undefined;

afterEach(async () => {
  await wechat?.close();
  wechat = undefined;
});

afterAll(async () => {
  const redis = connect();
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  for (const client of clients) client.disconnect();
});

describe('RedisTokenCache', () => {
  it('when a token is set with a TTL, then it is read back until Redis drops it', async () => {
    const cache = new RedisTokenCache(connect(), { prefix: newPrefix() });
    const t = token('T1');
    await cache.set('app:access_token', t, 300);
    expect(await cache.get('app:access_token')).toEqual(t);
    await delay(400);
    expect(await cache.get('app:access_token')).toBeUndefined();
  });

  it('when the stored value is not a token, then it reads as absent; delete removes a token', async () => {
    const redis = connect();
    const prefix = newPrefix();
    const cache = new RedisTokenCache(redis, { prefix });
    await redis.set(`${prefix}k`, 'not json');
    expect(await cache.get('k')).toBeUndefined();
    await cache.set('k', token('T'), 10_000);
    await cache.delete('k');
    expect(await cache.get('k')).toBeUndefined();
  });

  it('when two connections take the lock at once, then their critical sections never overlap', async () => {
    const prefix = newPrefix();
    const caches = [connect(), connect()].map(
      (r) => new RedisTokenCache(r, { prefix, pollMs: 10 }),
    );
    let inside = 0;
    let maxInside = 0;
    const work = async () => {
      inside += 1;
      maxInside = Math.max(maxInside, inside);
      await delay(20);
      inside -= 1;
    };
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => caches[i % 2]!.withLock('refresh', work)),
    );
    expect(maxInside).toBe(1);
  });

  it('when a lease ran out and someone else holds the lock, then the late holder does not free it', async () => {
    const redis = connect();
    const prefix = newPrefix();
    const cache = new RedisTokenCache(redis, { prefix, pollMs: 10 });
    await cache.withLock(
      'refresh',
      async () => {
        await delay(150); // lease (50 ms) runs out; another process takes the lock
        await redis.set(`${prefix}refresh:lock`, 'someone-else', 'PX', 10_000);
      },
      { leaseMs: 50 },
    );
    expect(await redis.get(`${prefix}refresh:lock`)).toBe('someone-else');
  });

  it('when the lock stays taken past waitMs, then TOKEN_LOCK_TIMEOUT', async () => {
    const redis = connect();
    const prefix = newPrefix();
    await redis.set(`${prefix}refresh:lock`, 'holder', 'PX', 10_000);
    const cache = new RedisTokenCache(redis, { prefix, pollMs: 10 });
    const err = await cache
      .withLock('refresh', async () => 1, { waitMs: 100 })
      .catch((e: unknown) => e);
    expect(isWxPayError(err, 'TOKEN_LOCK_TIMEOUT')).toBe(true);
  });
});

describe('access_token shared through Redis', () => {
  beforeAll(() => {
    // The child processes run the built package: make sure dist/ is current.
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-b', packageDir], { stdio: 'pipe', timeout: 90_000 });
  }, 100_000);

  async function serveSlowTokens(): Promise<FakeWeChat> {
    const server = await startFakeWeChat();
    let issued = 0;
    server.route('GET', '/cgi-bin/token', async (_req, res) => {
      issued += 1;
      const value = `TOKEN_${issued}`;
      await delay(300); // a slow WeChat widens the window in which both would refresh
      replyJson(res, { access_token: value, expires_in: 7200 });
    });
    return server;
  }

  it('when two API instances on separate connections refresh at once, then WeChat is asked once', async () => {
    wechat = await serveSlowTokens();
    const prefix = newPrefix();
    const apis = [connect(), connect()].map((redis) =>
      createWeChatApi({
        appId: DEMO.appId,
        secret: DEMO.secret,
        baseUrl: wechat!.url,
        tokenCache: new RedisTokenCache(redis, { prefix, pollMs: 10 }),
      }),
    );
    const tokens = await Promise.all(
      apis.flatMap((api) => [api.getAccessToken(), api.getAccessToken()]),
    );
    await Promise.all(apis.map((api) => api.close()));
    expect(new Set(tokens)).toEqual(new Set(['TOKEN_1']));
    expect(wechat.calls('/cgi-bin/token')).toHaveLength(1);
  });

  it('when two processes refresh at once, then exactly one token fetch happens', async () => {
    wechat = await serveSlowTokens();
    const prefix = newPrefix();
    const children = [0, 1].map(() => runChild([redisUrl, wechat!.url, prefix]));
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.go();
    const outputs = await Promise.all(children.map((c) => c.done));
    const tokens = outputs.flatMap((o) => o.tokens);
    expect(tokens).toHaveLength(20);
    expect(new Set(tokens)).toEqual(new Set(['TOKEN_1']));
    expect(wechat.calls('/cgi-bin/token')).toHaveLength(1);
  }, 30_000);
});

/** Spawns the child script; `ready` when it is connected, `go()` starts it, `done` has its output. */
function runChild(args: string[]) {
  const child = spawn(process.execPath, [childScript, ...args], {
    cwd: packageDir,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  let stdout = '';
  let stderr = '';
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    if (stdout.startsWith('ready\n')) markReady();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const done = new Promise<{ tokens: string[] }>((resolve, reject) => {
    child.on('exit', (code) => {
      clearTimeout(killer);
      markReady();
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last) as { tokens: string[] });
      else reject(new Error(`child exited ${code}: ${stderr || stdout}`));
    });
  });
  return { ready, done, go: () => child.stdin.end('go\n') };
}
