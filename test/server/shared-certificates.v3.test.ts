import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO,
  TestClock,
  dropDatabase,
  redisUrl,
  startFenServer,
  startSandbox,
  uniqueDatabaseUri,
} from './helpers/stack.js';
import type { Sandbox, ServerUnderTest } from './helpers/stack.js';
import {
  loginAs,
  notificationAcknowledged,
  paidThroughSandbox,
  placeOrder,
  sandboxV3,
} from './helpers/v3-flow.js';

// Two APIv3 server instances on one database and one Redis (the same REDIS_KEY_PREFIX), as a
// deployment runs them: WeChat's platform certificates are downloaded once and shared, and
// after a rotation the instance that meets the new serial first downloads for both.
let sandbox: Sandbox;
let first: ServerUnderTest;
let second: ServerUnderTest;
let redis: Redis;
let databaseUri: string;
const prefix = `fen-test-${randomUUID()}:`;
const certificatesKey = `${prefix}fen:wx:wxpay:v3:platform-certificates:${DEMO.mchId}`;
const clock = new TestClock();

beforeAll(async () => {
  databaseUri = uniqueDatabaseUri();
  sandbox = await startSandbox(0.001);
  const shared = { REDIS_URL: redisUrl(), REDIS_KEY_PREFIX: prefix };
  first = await startFenServer(sandbox, { databaseUri, env: shared, wechatClock: clock });
  second = await startFenServer(sandbox, { databaseUri, env: shared, wechatClock: clock });
  redis = new Redis(redisUrl());
}, 30_000);

afterAll(async () => {
  await first?.close();
  await second?.close();
  await sandbox?.close();
  await redis?.del(certificatesKey);
  redis?.disconnect();
  if (databaseUri) await dropDatabase(databaseUri);
});

/** The certificate set both instances read: its download id and the serials in it. */
async function sharedSet(): Promise<{ id: string; count: number }> {
  const raw = await redis.get(certificatesKey);
  expect(raw, 'the certificate set is in the shared Redis').not.toBeNull();
  const stored = JSON.parse(JSON.parse(raw!).value) as { id: string; certificates: string[] };
  return { id: stored.id, count: stored.certificates.length };
}

describe('two APIv3 instances sharing one platform-certificate cache', () => {
  it('when both verify WeChat, then one download serves both; after a rotation one instance downloads and the other pays on that download', async () => {
    const buyer = await loginAs(first, sandbox, 'v3-shared-cache-buyer');
    // The first instance's first v3 reply makes it download the certificates.
    await placeOrder(first, buyer);
    const initial = await sharedSet();
    expect(initial.count).toBe(1);

    // The second instance verifies its replies and a payment with the cached set: no download.
    const paid = await paidThroughSandbox(second, sandbox, buyer);
    expect(paid.status).toBe('PAID');
    expect((await sharedSet()).id).toBe(initial.id);

    // WeChat rotates; past the 10 s guard the first instance meets the new serial and downloads.
    await sandboxV3(sandbox, 'rotate-platform-certificate', 'POST', {
      mode: 'immediate',
      overlapSeconds: 3600,
    });
    clock.advance(11_000);
    try {
      await placeOrder(first, buyer);
      const rotated = await sharedSet();
      expect(rotated.id).not.toBe(initial.id);
      expect(rotated.count).toBe(2);

      // The second instance finds the new serial in the shared set: its replies and the
      // notification signed with the new certificate verify without another download.
      const afterRotation = await paidThroughSandbox(second, sandbox, buyer);
      await notificationAcknowledged(sandbox, afterRotation.outTradeNo);
      expect((await sharedSet()).id).toBe(rotated.id);
    } finally {
      clock.advance(-11_000);
    }
  }, 40_000);
});
