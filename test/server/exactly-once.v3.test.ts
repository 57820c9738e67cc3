import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_CERTS_DIR } from '@fen/wx-sandbox';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  SANDBOX_PLATFORM,
  isAcknowledged,
  postV3Notification,
  transactionResource,
  v3Notification,
} from './helpers/notifications-v3.js';
import { control } from './helpers/sandbox-control.js';
import { DEMO, TestClock, call, eventually, useFenStack } from './helpers/stack.js';
import {
  loginAs,
  notificationAcknowledged,
  paidThroughSandbox,
  placeOrder,
  sandboxV3,
} from './helpers/v3-flow.js';

// The APIv3 counterparts of exactly-once.test.ts (only in the e2e-v3 project): hand-built v3
// notifications on POST /wxpay/v3/notify — duplicates, forgeries, wrong amounts, unknown
// orders — then the platform certificate rotated and public-key mode, end to end against the
// sandbox, each with a real payment notified afterwards.
const clock = new TestClock();
// `clock` moves WeChat's time as the server sees it (signatures, certificate refresh) only.
const stack = useFenStack({ server: { wechatClock: clock } });
let token: string;

beforeAll(async () => {
  token = await loginAs(stack.server, stack.sandbox, 'v3-notify-tester');
});

const newOrder = (on = stack.server, as = token) => placeOrder(on, as);

const notifyUrl = () => `${stack.server.url}/wxpay/v3/notify`;
const models = () => stack.server.running.runtime.db.models;
const stored = async (id: string) => models().Order.findById(id).lean();
const otherKey = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

describe('APIv3 payment notifications', () => {
  it('when 20 identical notifications arrive at once, then one transition, one applied event, all 204', async () => {
    const { order } = await newOrder();
    const message = v3Notification(
      transactionResource(order, { transaction_id: '4200000002000000001' }),
    );
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => postV3Notification(notifyUrl(), message)),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(20).fill(204));

    const paid = await stored(order.id);
    expect(paid).toMatchObject({ status: 'PAID', transactionId: '4200000002000000001' });
    expect(paid?.timeline.filter((e) => e.kind === 'PAID')).toHaveLength(1);
    const events = await models().PaymentEvent.find({ outTradeNo: order.outTradeNo }).lean();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'APPLIED', receivedCount: 20 });
    // What the services read, under APIv2's names: the amount and Beijing time_end.
    expect(events[0]?.fields).toMatchObject({
      total_fee: String(order.totalFen),
      transaction_id: '4200000002000000001',
      trade_state: 'SUCCESS',
    });
    expect(events[0]?.fields.time_end).toMatch(/^\d{14}$/);
  });

  it('when a notification repeats after 204 (a new id, re-signed), then nothing changes and 204 again', async () => {
    const { order } = await newOrder();
    const resource = transactionResource(order, { transaction_id: '4200000002000000002' });
    expect((await postV3Notification(notifyUrl(), v3Notification(resource))).status).toBe(204);
    const before = await stored(order.id);
    expect((await postV3Notification(notifyUrl(), v3Notification(resource))).status).toBe(204);
    expect(await stored(order.id)).toEqual(before);
  });

  it('when the signature is forged, the body altered, the serial unknown or the timestamp stale, then non-2xx FAIL and nothing is stored', async () => {
    const { order } = await newOrder();
    const genuine = v3Notification(transactionResource(order));
    const forged = v3Notification(transactionResource(order), {
      signer: { serial: SANDBOX_PLATFORM.serial, privateKey: otherKey() },
    });
    const altered = { ...genuine, body: genuine.body.replace('"summary"', '"summary" ') };
    const unknownSerial = v3Notification(transactionResource(order), {
      signer: { serial: 'ABCDEF0123456789', privateKey: otherKey() },
    });
    const stale = v3Notification(transactionResource(order), {
      timestamp: String(Math.floor(Date.now() / 1000) - 600),
    });
    const unsigned = { body: genuine.body, headers: {} };
    for (const message of [forged, altered, unknownSerial, stale, unsigned]) {
      const reply = await postV3Notification(notifyUrl(), message);
      expect(isAcknowledged(reply.status)).toBe(false);
      expect(reply.body?.code).toBe('FAIL');
      expect(reply.body?.message).toMatch(/^V3_/);
    }
    expect((await stored(order.id))?.status).toBe('PENDING');
    expect(await models().PaymentEvent.countDocuments({ outTradeNo: order.outTradeNo })).toBe(0);
  });

  it('when the resource was encrypted with another APIv3 key, then FAIL and nothing is stored', async () => {
    const { order } = await newOrder();
    const message = v3Notification(transactionResource(order), {
      apiV3Key: 'someoneelsesapiv3key0123456789ab',
    });
    const reply = await postV3Notification(notifyUrl(), message);
    expect(reply.status).toBe(500);
    expect(reply.body).toEqual({ code: 'FAIL', message: 'V3_DECRYPT_FAILED' });
    expect(await models().PaymentEvent.countDocuments({ outTradeNo: order.outTradeNo })).toBe(0);
  });

  it('when a genuine notification names another appid or mchid, then FAIL and nothing changes', async () => {
    const { order } = await newOrder();
    for (const overrides of [{ appid: 'wxfe00000000000099' }, { mchid: '1900000110' }]) {
      const message = v3Notification(transactionResource(order, overrides));
      expect(isAcknowledged((await postV3Notification(notifyUrl(), message)).status)).toBe(false);
    }
    expect((await stored(order.id))?.status).toBe('PENDING');
  });

  it('when the amount differs from the order, then never PAID: one anomaly, FAIL each time', async () => {
    const { order } = await newOrder();
    const short = order.totalFen - 1;
    const resource = transactionResource(order, {
      transaction_id: '4200000002000000003',
      amount: { total: short, payer_total: short, currency: 'CNY', payer_currency: 'CNY' },
    });
    for (let i = 0; i < 3; i += 1) {
      const reply = await postV3Notification(notifyUrl(), v3Notification(resource));
      expect(reply.status).toBe(500);
      expect(reply.body).toEqual({ code: 'FAIL', message: 'ANOMALY' });
    }
    expect((await stored(order.id))?.status).toBe('PENDING');
    const anomalies = await models().Anomaly.find({ outTradeNo: order.outTradeNo }).lean();
    expect(anomalies.map((a) => a.kind)).toEqual(['AMOUNT_MISMATCH']);
  });

  it('when a genuine notification names an unknown order, then FAIL and an anomaly is kept', async () => {
    const ghost = { outTradeNo: 'FEN0000000000000000v3ghost', totalFen: 100 };
    const reply = await postV3Notification(notifyUrl(), v3Notification(transactionResource(ghost)));
    expect(reply.body).toEqual({ code: 'FAIL', message: 'UNKNOWN_ORDER' });
    expect(
      await models().Anomaly.countDocuments({
        outTradeNo: ghost.outTradeNo,
        kind: 'UNKNOWN_ORDER',
      }),
    ).toBe(1);
  });

  it('when a body is over the size limit or not JSON, then FAIL without reading further', async () => {
    const big = { body: `{"x":"${'a'.repeat(70 * 1024)}"}`, headers: {} };
    expect((await postV3Notification(notifyUrl(), big)).body).toEqual({
      code: 'FAIL',
      message: 'BODY_REFUSED',
    });
    const notJson = v3Notification({});
    const garbled = { ...notJson, body: 'not json' };
    expect(isAcknowledged((await postV3Notification(notifyUrl(), garbled)).status)).toBe(false);
  });
});

describe('APIv3 refund notifications', () => {
  const refundNotifyUrl = () => `${stack.server.url}/wxpay/v3/refund-notify`;

  it("when a refund is made, then the sandbox's REFUND.SUCCESS is verified, acknowledged with 204 and completes it", async () => {
    const paid = await paidThroughSandbox(stack.server, stack.sandbox, token);
    const res = await call(`${stack.server.url}/admin/orders/${paid.id}/refunds`, {
      token: DEMO.adminToken,
      headers: { 'idempotency-key': `v3-refund-${paid.outTradeNo}` },
      body: { amountFen: 100, reason: 'v3 refund' },
    });
    expect(res.status).toBe(201);
    const outRefundNo: string = res.body.refund.outRefundNo;
    await eventually(
      async () => {
        const records = await control(stack.sandbox).notifications(paid.outTradeNo);
        const refundRecord = records.find((r) => r.kind === 'refund');
        return refundRecord?.attempts.some((a) => a.http_status === 204) || undefined;
      },
      10_000,
      'the refund notification acknowledged',
    );
    const events = await models().PaymentEvent.find({ outRefundNo, kind: 'REFUND_NOTIFY' }).lean();
    expect(events).toHaveLength(1);
    expect(events[0]?.fields).toMatchObject({ refund_status: 'SUCCESS', refund_fee: '100' });
  });

  it('when a refund notification is forged or names a refund we do not have, then FAIL', async () => {
    const resource = {
      mchid: DEMO.mchId,
      out_trade_no: 'FEN0000000000000000v3ghost',
      transaction_id: '4200000002000000099',
      out_refund_no: 'RF0000v3ghost',
      refund_id: '50300000002000000099',
      refund_status: 'SUCCESS',
      user_received_account: '支付用户零钱',
      amount: { total: 100, refund: 100, payer_total: 100, payer_refund: 100 },
    };
    const options = { eventType: 'REFUND.SUCCESS', originalType: 'refund' as const };
    const ghost = await postV3Notification(refundNotifyUrl(), v3Notification(resource, options));
    expect(ghost.body).toEqual({ code: 'FAIL', message: 'ANOMALY' });
    const forged = v3Notification(resource, {
      ...options,
      signer: { serial: SANDBOX_PLATFORM.serial, privateKey: otherKey() },
    });
    const refused = await postV3Notification(refundNotifyUrl(), forged);
    expect(refused.body).toEqual({ code: 'FAIL', message: 'V3_SIGNATURE_INVALID' });
    // A payment notification is not a refund notification.
    const payment = v3Notification(transactionResource({ outTradeNo: 'FEN1x', totalFen: 1 }));
    expect((await postV3Notification(refundNotifyUrl(), payment)).body?.message).toBe(
      'NOTIFY_EVENT_UNEXPECTED',
    );
  });
});

describe('platform certificate rotation', () => {
  it('when the sandbox rotates its platform certificate, then a payment signed with the new one is verified after one download, and the old one is still honoured during the overlap', async () => {
    // The server already holds the first certificate (downloaded on its first v3 reply).
    await paidThroughSandbox(stack.server, stack.sandbox, token);
    const rotated = await sandboxV3(stack.sandbox, 'rotate-platform-certificate', 'POST', {
      mode: 'immediate',
      overlapSeconds: 3600,
    });
    expect(rotated.previous_serial_no).toBe(SANDBOX_PLATFORM.serial);
    expect(rotated.signing_serial).toBe(rotated.serial_no);
    // An unknown serial is fetched at most once in 10 s (a forged serial must not make the
    // server hammer WeChat): step past that, as WeChat's first retry (15 s) would.
    clock.advance(11_000);
    try {
      const paid = await paidThroughSandbox(stack.server, stack.sandbox, token);
      // The order may turn PAID through its own query first; the notification is acknowledged.
      await notificationAcknowledged(stack.sandbox, paid.outTradeNo);
      // During the overlap, a notification signed with the retiring certificate still verifies.
      const { order } = await newOrder();
      const old = v3Notification(transactionResource(order));
      expect((await postV3Notification(notifyUrl(), old)).status).toBe(204);
    } finally {
      clock.advance(-11_000);
    }
  });
});

describe('public-key mode', () => {
  const pk = useFenStack({
    server: async (sandbox) => {
      const mode = await sandboxV3(sandbox, 'mode', 'PUT', { mode: 'public_key' });
      expect(mode.signing_serial).toMatch(/^PUB_KEY_ID_/);
      return {
        env: {
          WXPAY_PLATFORM_PUBLIC_KEY_ID: mode.signing_serial,
          WXPAY_PLATFORM_PUBLIC_KEY_PATH: join(
            fileURLToPath(DEMO_CERTS_DIR),
            'wechatpay_pub_key.pem',
          ),
        },
      };
    },
  });

  it('when WeChat signs with the platform public key, then replies and the notification verify and the order is PAID', async () => {
    const buyer = await loginAs(pk.server, pk.sandbox, 'v3-public-key-buyer');
    const paid = await paidThroughSandbox(pk.server, pk.sandbox, buyer);
    expect(paid.transactionId).toMatch(/^\d+$/);
    await eventually(
      async () =>
        (await control(pk.sandbox).notifications(paid.outTradeNo))[0]?.attempts.some(
          (a) => a.http_status === 204,
        ) || undefined,
      10_000,
      'the public-key-signed notification acknowledged',
    );
    expect(pk.server.logs.text).not.toContain(DEMO.key);
  });
});
