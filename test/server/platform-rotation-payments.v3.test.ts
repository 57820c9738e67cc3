import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { control } from './helpers/sandbox-control.js';
import { DEMO, TestClock, call, redisUrl, startFenServer, startSandbox } from './helpers/stack.js';
import type { Sandbox, ServerUnderTest } from './helpers/stack.js';
import { loginAs, paidThroughSandbox, placeOrder, sandboxV3 } from './helpers/v3-flow.js';

// Fen across WeChat's platform certificate rotations (docs/sandbox.md §11), payments and their
// notifications end to end: publish-then-switch as WeChat does it (the new certificate is in
// /v3/certificates days before it signs; Fen's scheduled refresh picks it up, so the switch costs
// no download), and the immediate switch as a fault (Fen must download on meeting the serial).
// The server keeps its certificate set in Redis under its own prefix, so the test sees each
// download; one TestClock is WeChat's time and the business time, moved with the sandbox's.

interface RotationStack {
  readonly sandbox: Sandbox;
  readonly server: ServerUnderTest;
  readonly token: string;
  /** Moves the sandbox's clock and the server's together. */
  advance(seconds: number): void;
  /** The server's cached certificate set: its download id and how many certificates. */
  certificateSet(): Promise<{ id: string; count: number }>;
}

function useRotationStack(user: string): RotationStack {
  const clock = new TestClock();
  const prefix = `fen-test-${randomUUID()}:`;
  const key = `${prefix}fen:wx:wxpay:v3:platform-certificates:${DEMO.mchId}`;
  const redis = new Redis(redisUrl(), { lazyConnect: true });
  let sandbox: Sandbox | undefined;
  let server: ServerUnderTest | undefined;
  let token = '';
  beforeAll(async () => {
    sandbox = await startSandbox(0.001);
    // Sessions outlive the days the test moves the clock by.
    const env = { REDIS_URL: redisUrl(), REDIS_KEY_PREFIX: prefix, SESSION_TTL_SECONDS: '2592000' };
    server = await startFenServer(sandbox, { env, clock, wechatClock: clock });
    token = await loginAs(server, sandbox, user);
    await redis.connect();
  }, 30_000);
  afterAll(async () => {
    await server?.close();
    await sandbox?.close();
    if (redis.status === 'ready') await redis.del(key);
    redis.disconnect();
  });
  return {
    get sandbox() {
      return sandbox!;
    },
    get server() {
      return server!;
    },
    get token() {
      return token;
    },
    advance(seconds) {
      sandbox!.advanceClock(seconds);
      clock.advance(seconds * 1000);
    },
    async certificateSet() {
      const raw = await redis.get(key);
      expect(raw, 'the certificate set is in Redis').not.toBeNull();
      const stored = JSON.parse(JSON.parse(raw!).value) as { id: string; certificates: string[] };
      return { id: stored.id, count: stored.certificates.length };
    },
  };
}

/** The order's payment notification was acknowledged (204) on WeChat's FIRST attempt. */
async function acknowledgedFirstTime(sandbox: Sandbox, outTradeNo: string): Promise<void> {
  const [notification] = await control(sandbox).notifications(outTradeNo);
  expect(notification?.attempts[0]?.http_status, `first notification of ${outTradeNo}`).toBe(204);
}

/** Places an order, pays it, waits for PAID and checks its notification went through at once. */
async function payThrough(stack: RotationStack): Promise<void> {
  const paid = await paidThroughSandbox(stack.server, stack.sandbox, stack.token);
  await eventuallyNotified(stack.sandbox, paid.outTradeNo);
  await acknowledgedFirstTime(stack.sandbox, paid.outTradeNo);
}

/** Waits until the sandbox has recorded at least one delivery attempt of the notification. */
async function eventuallyNotified(sandbox: Sandbox, outTradeNo: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const [notification] = await control(sandbox).notifications(outTradeNo);
    if ((notification?.attempts.length ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no notification attempt for ${outTradeNo}`);
}

describe('publish-then-switch, as WeChat rotates', () => {
  const stack = useRotationStack('rotation-publish-buyer');

  it('when WeChat publishes a new certificate and switches to it later, then every payment and notification verifies, and the switch costs no download', async () => {
    await payThrough(stack);
    const initial = await stack.certificateSet();
    expect(initial.count).toBe(1);

    const rotated = await sandboxV3(stack.sandbox, 'rotate-platform-certificate', 'POST', {});
    expect(rotated.signing_serial).toBe(rotated.previous_serial_no);
    expect(rotated.pending_serial).toBe(rotated.serial_no);

    // Published, not signing: the old certificate still signs; nothing to download.
    await payThrough(stack);
    expect(await stack.certificateSet()).toEqual(initial);

    // Half a day later Fen's scheduled refresh (every 12 h) fetches the list with both.
    stack.advance(13 * 3600);
    await payThrough(stack);
    const refreshed = await stack.certificateSet();
    expect(refreshed.id).not.toBe(initial.id);
    expect(refreshed.count).toBe(2);

    // The switch: replies and notifications are signed with the new certificate, which Fen
    // already holds, so every payment verifies at once and there is no further download.
    const switched = await sandboxV3(stack.sandbox, 'switch-platform-certificate', 'POST', {});
    expect(switched.signing_serial).toBe(rotated.serial_no);
    await payThrough(stack);
    await payThrough(stack);
    expect(await stack.certificateSet()).toEqual(refreshed);

    // After the overlap the old certificate is gone from the list; Fen goes on.
    stack.advance(86_400 + 60);
    await payThrough(stack);
    expect((await stack.certificateSet()).count).toBe(1);
  }, 40_000);
});

describe('immediate switch (a fault WeChat does not commit)', () => {
  const stack = useRotationStack('rotation-immediate-buyer');

  it('when the new certificate signs a notification before Fen has it, then Fen downloads on the notification and acknowledges it at once', async () => {
    await payThrough(stack);
    const initial = await stack.certificateSet();
    // The order's prepay reply is signed by the old certificate; the switch comes after it.
    const { order, payParams } = await placeOrder(stack.server, stack.token);
    // Past the 10 s guard between downloads (a forged serial must not make Fen hammer WeChat).
    stack.advance(11);
    const rotated = await sandboxV3(stack.sandbox, 'rotate-platform-certificate', 'POST', {
      mode: 'immediate',
      overlapSeconds: 3600,
    });
    expect(rotated.signing_serial).toBe(rotated.serial_no);
    await control(stack.sandbox).pay(payParams.package.replace(/^prepay_id=/, ''));
    await eventuallyNotified(stack.sandbox, order.outTradeNo);
    await acknowledgedFirstTime(stack.sandbox, order.outTradeNo);
    const after = await stack.certificateSet();
    expect(after.id).not.toBe(initial.id);
    expect(after.count).toBe(2);
  }, 30_000);

  // A reply with a new serial just after a download fetches at once instead of failing
  // V3_SERIAL_UNKNOWN for 10 s (platform-rotation-replies.v3.test.ts tests that path itself).
  it('when the switch comes right after a download, then creating an order still succeeds and its payment is notified at once', async () => {
    await sandboxV3(stack.sandbox, 'rotate-platform-certificate', 'POST', { mode: 'immediate' });
    stack.advance(11);
    const before = await stack.certificateSet();
    await payThrough(stack);
    // Fen met that serial and downloaded: the next unknown serial falls within the 10 s guard.
    expect((await stack.certificateSet()).id).not.toBe(before.id);
    await sandboxV3(stack.sandbox, 'rotate-platform-certificate', 'POST', { mode: 'immediate' });
    const created = await call(`${stack.server.url}/api/orders`, {
      token: stack.token,
      body: { items: [{ productId: 'pour-over-coffee', quantity: 1 }] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await payThrough(stack);
  }, 30_000);
});
