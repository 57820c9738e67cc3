import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isWxPayError } from '../src/errors.js';
import { RedisTokenCache } from '../src/redis-token-cache.js';
import { MemoryTokenCache } from '../src/token-cache.js';
import type { TokenCache } from '../src/token-cache.js';
import {
  createV3PayClient,
  MAX_FORCED_SERIALS,
  parsePlatformCertificate,
  PlatformCertificateStore,
} from '../src/v3/index.js';
import type { PlatformCertificate, V3PayClient, V3PayClientOptions } from '../src/v3/index.js';
import { testRedisUrl, uniquePrefix } from './support/redis-url.js';
import { startFakeV3WeChat } from './support/v3-fake-wechat.js';
import type { FakeV3WeChat } from './support/v3-fake-wechat.js';
import { merchant, platformA, platformB, vectorPem } from './support/v3-keys.js';

const PATH = '/v3/pay/transactions/out-trade-no/FEN20261201000001';
const transaction = {
  mchid: merchant.mchId,
  out_trade_no: 'FEN20261201000001',
  trade_state: 'NOTPAY',
};

let wechat: FakeV3WeChat;
const clients: V3PayClient[] = [];
const redisConnections: Redis[] = [];
const redisPrefixes: string[] = [];
/** Added to the clients' clock: lets a test be a minute later without waiting. */
let clockOffsetMs = 0;

function newClient(overrides: Partial<V3PayClientOptions> = {}): V3PayClient {
  const c = createV3PayClient({
    mchId: merchant.mchId,
    appId: merchant.appId,
    privateKey: merchant.privateKey,
    merchantSerialNo: merchant.serialNo,
    apiV3Key: merchant.apiV3Key,
    baseUrl: wechat.url,
    timeoutMs: 3000,
    now: () => Date.now() + clockOffsetMs,
    ...overrides,
  });
  clients.push(c);
  return c;
}

function redisCache(prefix: string): TokenCache {
  const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 2 });
  redisConnections.push(redis);
  return new RedisTokenCache(redis, { prefix, pollMs: 10 });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'DID_NOT_THROW';
  } catch (err) {
    return isWxPayError(err) ? err.code : `NOT_WXPAY: ${String(err)}`;
  }
}

beforeEach(async () => {
  clockOffsetMs = 0;
  wechat = await startFakeV3WeChat({ signer: platformA, certificates: [platformA] });
  wechat.route('GET', PATH, () => ({ status: 200, json: transaction }));
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await wechat.close();
  for (const prefix of redisPrefixes.splice(0)) {
    const redis = redisConnections[0];
    const keys = redis === undefined ? [] : await redis.keys(`${prefix}*`);
    if (redis !== undefined && keys.length > 0) await redis.del(...keys);
  }
  await Promise.all(redisConnections.splice(0).map((r) => r.quit()));
});

const query = (c: V3PayClient) => c.queryByOutTradeNo('FEN20261201000001');

describe('sharing the certificates', () => {
  it('when two clients share one in-process cache and call at once, then the certificates are downloaded once', async () => {
    const cache = new MemoryTokenCache();
    const [one, two] = [
      newClient({ platformCertificateCache: cache }),
      newClient({ platformCertificateCache: cache }),
    ];
    await Promise.all([query(one!), query(two!), query(one!), query(two!)]);
    expect(wechat.certificateDownloads()).toBe(1);
  });

  it('when two clients (two Redis connections) share a Redis cache, then the certificates are downloaded once', async () => {
    const prefix = uniquePrefix();
    redisPrefixes.push(prefix);
    const one = newClient({ platformCertificateCache: redisCache(prefix) });
    const two = newClient({ platformCertificateCache: redisCache(prefix) });
    await Promise.all([query(one), query(two), query(one), query(two)]);
    expect(wechat.certificateDownloads()).toBe(1);
    // A third process arriving later reads them from Redis too.
    await query(newClient({ platformCertificateCache: redisCache(prefix) }));
    expect(wechat.certificateDownloads()).toBe(1);
  });

  it('when each client has its own cache, then each downloads (the control for the two tests above)', async () => {
    await query(newClient({ platformCertificateCache: new MemoryTokenCache() }));
    await query(newClient({ platformCertificateCache: new MemoryTokenCache() }));
    expect(wechat.certificateDownloads()).toBe(2);
  });
});

describe('rotation', () => {
  it('when WeChat serves two certificates, then replies signed with either verify after one download', async () => {
    wechat.certificates = [platformA, platformB];
    const c = newClient();
    await query(c);
    wechat.signer = platformB;
    await query(c);
    wechat.signer = platformA;
    await query(c);
    expect(wechat.certificateDownloads()).toBe(1);
  });

  it('when WeChat starts signing with a new certificate, then the unknown serial triggers exactly one refresh and both stay valid', async () => {
    const c = newClient();
    await query(c);
    expect(wechat.certificateDownloads()).toBe(1);

    wechat.certificates = [platformA, platformB];
    wechat.signer = platformB;
    clockOffsetMs = 11_000;
    await Promise.all([query(c), query(c), query(c)]);
    expect(wechat.certificateDownloads()).toBe(2);

    wechat.signer = platformA;
    await query(c);
    expect(wechat.certificateDownloads()).toBe(2);
  });

  it('when a serial stays unknown after the refresh, then it is refused, and a repeat within 10 s downloads nothing', async () => {
    const c = newClient();
    await query(c);
    // A forger signs the business replies; WeChat's genuine certificate signs the download.
    wechat.certificatesSigner = platformA;
    wechat.signer = { serial: '0123ABCD0123ABCD', privateKey: platformB.privateKey };
    clockOffsetMs = 11_000;
    expect(await codeOf(query(c))).toBe('V3_SERIAL_UNKNOWN');
    expect(wechat.certificateDownloads()).toBe(2);
    expect(await codeOf(query(c))).toBe('V3_SERIAL_UNKNOWN');
    expect(wechat.certificateDownloads()).toBe(2);
  });

  it('when WeChat switches to a new certificate just after a download, then replies with its serial download at once, all concurrent ones sharing one download', async () => {
    const c = newClient();
    await query(c);
    expect(wechat.certificateDownloads()).toBe(1);
    wechat.certificates = [platformA, platformB];
    wechat.signer = platformB;
    // No clock step: the 10 s guard would refuse these; a reply (our own request, over TLS)
    // names a serial WeChat itself signs with.
    await Promise.all(Array.from({ length: 6 }, () => query(c)));
    expect(wechat.certificateDownloads()).toBe(2);
    await query(c);
    expect(wechat.certificateDownloads()).toBe(2);
  });

  it('when replies name serials the fresh list lacks, then each forces one download at most, a few serials at most, and is refused', async () => {
    const c = newClient();
    await query(c);
    wechat.certificatesSigner = platformA;
    wechat.signer = { serial: '0123ABCD0123ABCD', privateKey: platformB.privateKey };
    expect(await codeOf(query(c))).toBe('V3_SERIAL_UNKNOWN');
    expect(wechat.certificateDownloads()).toBe(2);
    expect(await codeOf(query(c))).toBe('V3_SERIAL_UNKNOWN');
    expect(wechat.certificateDownloads()).toBe(2);
    for (let n = 0; n < 10; n += 1) {
      wechat.signer = { serial: `FEED${n}0000000000`, privateKey: platformB.privateKey };
      expect(await codeOf(query(c))).toBe('V3_SERIAL_UNKNOWN');
    }
    expect(wechat.certificateDownloads()).toBe(1 + MAX_FORCED_SERIALS);
    // A minute on, the first serial may ask once more.
    clockOffsetMs = 61_000;
    wechat.signer = { serial: '0123ABCD0123ABCD', privateKey: platformB.privateKey };
    expect(await codeOf(query(c))).toBe('V3_SERIAL_UNKNOWN');
    expect(wechat.certificateDownloads()).toBe(2 + MAX_FORCED_SERIALS);
  });

  it('when a forged reply names a known serial but another key signed it, then it is refused without a refresh', async () => {
    const c = newClient();
    await query(c);
    wechat.signer = { serial: platformA.serial, privateKey: platformB.privateKey };
    expect(await codeOf(query(c))).toBe('V3_SIGNATURE_INVALID');
    expect(wechat.certificateDownloads()).toBe(1);
  });
});

describe('PlatformCertificateStore on its own', () => {
  const certA = parsePlatformCertificate(platformA.certPem);
  let now: number;
  let downloads: number;
  let answer: () => Promise<PlatformCertificate[]>;

  function store() {
    return new PlatformCertificateStore({
      mchId: merchant.mchId,
      cache: new MemoryTokenCache({ now: () => now }),
      download: () => {
        downloads += 1;
        return answer();
      },
      now: () => now,
    });
  }

  beforeEach(() => {
    now = Date.UTC(2026, 11, 1);
    downloads = 0;
    answer = async () => [certA];
  });

  it('when a notification names an unknown serial within 10 s of a download, then nothing is downloaded; a reply would', async () => {
    const s = store();
    expect(await s.resolve(certA.serial)).toBeDefined();
    expect(downloads).toBe(1);
    now += 1_000;
    expect(await s.resolve('0123ABCD0123ABCD', 'notification')).toBeUndefined();
    expect(downloads).toBe(1);
    expect(await s.resolve('0123ABCD0123ABCD', 'reply')).toBeUndefined();
    expect(downloads).toBe(2);
  });

  it('when 12 hours have passed, then the next lookup downloads again', async () => {
    const s = store();
    expect(await s.resolve(certA.serial)).toBeDefined();
    now += 11 * 3_600_000;
    await s.resolve(certA.serial);
    expect(downloads).toBe(1);
    now += 2 * 3_600_000;
    await s.resolve(certA.serial);
    expect(downloads).toBe(2);
  });

  it('when the renewal fails, then the certificates already held keep verifying', async () => {
    const s = store();
    await s.resolve(certA.serial);
    now += 13 * 3_600_000;
    answer = async () => {
      throw new Error('WeChat unreachable');
    };
    expect(await s.resolve(certA.serial)).toBeDefined();
    expect(downloads).toBe(2);
  });

  it('when a certificate has expired, then its serial no longer resolves', async () => {
    const expiring = parsePlatformCertificate(vectorPem('yansongda_wechatPublicKey_45F59D'));
    now = expiring.validTo - 1000;
    answer = async () => [certA, expiring];
    const s = store();
    expect(await s.resolve(expiring.serial)).toBeDefined();
    now = expiring.validTo + 1000;
    expect(await s.resolve(expiring.serial)).toBeUndefined();
    expect(await s.resolve(certA.serial)).toBeDefined();
  });

  it('when a serial is given in lowercase or with leading zeros, then it still matches', async () => {
    const s = store();
    expect(await s.resolve(`00${certA.serial.toLowerCase()}`)).toBeDefined();
    expect(downloads).toBe(1);
  });

  it('when the first download fails, then the lookup fails with that error', async () => {
    answer = async () => {
      throw new Error('WeChat unreachable');
    };
    await expect(store().resolve(certA.serial)).rejects.toThrow('WeChat unreachable');
  });
});
