import { fromXml, signV2, toXml } from '@fen/wxpay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isSuccessReply,
  postNotification,
  signedPaymentNotification,
} from './helpers/notifications.js';
import { control } from './helpers/sandbox-control.js';
import { DEMO, call, startFenServer, startSandbox } from './helpers/stack.js';
import type { Sandbox, ServerUnderTest } from './helpers/stack.js';

// Payment notifications, exactly once: duplicates, forgeries, wrong amounts, unknown orders.
let sandbox: Sandbox;
let server: ServerUnderTest;
let token: string;

beforeAll(async () => {
  sandbox = await startSandbox(0.001);
  server = await startFenServer(sandbox);
  const { code } = await control(sandbox).loginCode('notify-tester');
  token = (await call(`${server.url}/api/session`, { body: { code } })).body.token;
}, 30_000);

afterAll(async () => {
  await server?.close();
  await sandbox?.close();
});

async function newOrder(): Promise<{ id: string; outTradeNo: string; totalFen: number }> {
  const res = await call(`${server.url}/api/orders`, {
    token,
    body: { items: [{ productId: 'pour-over-coffee', quantity: 1 }] },
  });
  expect(res.status).toBe(201);
  return res.body.order;
}

const notifyUrl = () => `${server.url}/wxpay/notify`;
const models = () => server.running.runtime.db.models;
const stored = async (id: string) => models().Order.findById(id).lean();

describe('payment notifications', () => {
  it('when 20 identical notifications arrive at once, then one transition, one applied event, all SUCCESS', async () => {
    const order = await newOrder();
    const xml = signedPaymentNotification(order, { transaction_id: '4200000001000000001' });
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => postNotification(notifyUrl(), xml)),
    );
    expect(replies.every((r) => r.status === 200 && isSuccessReply(r.text))).toBe(true);

    const paid = await stored(order.id);
    expect(paid).toMatchObject({ status: 'PAID', transactionId: '4200000001000000001' });
    expect(paid?.timeline.filter((e) => e.kind === 'PAID')).toHaveLength(1);
    const events = await models().PaymentEvent.find({ outTradeNo: order.outTradeNo }).lean();
    expect(events).toHaveLength(1);
    expect(events[0]?.outcome).toBe('APPLIED');
    expect(await models().Claim.countDocuments({ _id: `order-exit:${order.id}` })).toBe(1);
  });

  it('when a notification repeats after SUCCESS (even re-signed), then nothing changes and SUCCESS again', async () => {
    const order = await newOrder();
    const first = signedPaymentNotification(order, { transaction_id: '4200000001000000002' });
    expect(isSuccessReply((await postNotification(notifyUrl(), first)).text)).toBe(true);
    const before = await stored(order.id);
    const again = signedPaymentNotification(order, { transaction_id: '4200000001000000002' });
    expect(isSuccessReply((await postNotification(notifyUrl(), again)).text)).toBe(true);
    expect(await stored(order.id)).toEqual(before);
  });

  it('when the signature is forged, then FAIL and nothing is stored', async () => {
    const order = await newOrder();
    const forged = signedPaymentNotification(order, {}, 'forgedkey0123456789abcdefghijklm');
    const reply = await postNotification(notifyUrl(), forged);
    expect(isSuccessReply(reply.text)).toBe(false);
    expect((await stored(order.id))?.status).toBe('PENDING');
    expect(await models().PaymentEvent.countDocuments({ outTradeNo: order.outTradeNo })).toBe(0);
  });

  it('when a signed notification names another appid or mch_id, then FAIL and nothing changes', async () => {
    const order = await newOrder();
    const overrides: Array<Record<string, string>> = [
      { appid: 'wxfe00000000000002' },
      { mch_id: '1900000110' },
    ];
    for (const override of overrides) {
      const reply = await postNotification(notifyUrl(), signedPaymentNotification(order, override));
      expect(isSuccessReply(reply.text)).toBe(false);
    }
    expect((await stored(order.id))?.status).toBe('PENDING');
  });

  it('when the amount differs from the order, then never PAID: one anomaly, FAIL each time', async () => {
    const order = await newOrder();
    const xml = signedPaymentNotification(order, {
      total_fee: String(order.totalFen - 1),
      cash_fee: String(order.totalFen - 1),
      transaction_id: '4200000001000000003',
    });
    for (let i = 0; i < 3; i += 1) {
      expect(isSuccessReply((await postNotification(notifyUrl(), xml)).text)).toBe(false);
    }
    expect((await stored(order.id))?.status).toBe('PENDING');
    const anomalies = await models().Anomaly.find({ outTradeNo: order.outTradeNo }).lean();
    expect(anomalies).toHaveLength(1);
    expect(anomalies[0]?.kind).toBe('AMOUNT_MISMATCH');
    const admin = await call(`${server.url}/admin/orders/${order.id}`, {
      token: DEMO.adminToken,
    });
    expect(admin.body.order.anomalies).toHaveLength(1);
  });

  it('when the amount is right but transaction_id is missing, then never PAID: a MISSING_TRANSACTION_ID anomaly', async () => {
    const order = await newOrder();
    const withoutId = signedPaymentNotification(order, { transaction_id: '' });
    // The field left out entirely, signed as such, as well as present and empty.
    const { transaction_id: _empty, sign: _sign, ...fields } = fromXml(withoutId);
    const absent = toXml({ ...fields, sign: signV2(fields, DEMO.key) });
    for (const xml of [withoutId, absent, withoutId]) {
      const reply = await postNotification(notifyUrl(), xml);
      expect(isSuccessReply(reply.text)).toBe(false);
    }
    expect((await stored(order.id))?.status).toBe('PENDING');
    const anomalies = await models().Anomaly.find({ outTradeNo: order.outTradeNo }).lean();
    expect(anomalies.map((a) => a.kind)).toEqual(['MISSING_TRANSACTION_ID']);
    expect(anomalies[0]?.detail).toContain('without a transaction_id');
    const admin = await call(`${server.url}/admin/orders/${order.id}`, { token: DEMO.adminToken });
    expect(admin.body.order.anomalies.map((a: { kind: string }) => a.kind)).toEqual([
      'MISSING_TRANSACTION_ID',
    ]);
  });

  it('when a genuine notification names an unknown order, then FAIL and an anomaly is kept', async () => {
    const ghost = { outTradeNo: 'FEN0000000000000000unknown', totalFen: 100 };
    const reply = await postNotification(notifyUrl(), signedPaymentNotification(ghost));
    expect(isSuccessReply(reply.text)).toBe(false);
    expect(
      await models().Anomaly.countDocuments({
        outTradeNo: ghost.outTradeNo,
        kind: 'UNKNOWN_ORDER',
      }),
    ).toBe(1);
  });

  it('when WeChat reports a failed payment, then SUCCESS is answered and the order stays PENDING', async () => {
    const order = await newOrder();
    const xml = signedPaymentNotification(order, {
      result_code: 'FAIL',
      err_code: 'NOTENOUGH',
      err_code_des: 'balance',
      transaction_id: '',
    });
    expect(isSuccessReply((await postNotification(notifyUrl(), xml)).text)).toBe(true);
    expect((await stored(order.id))?.status).toBe('PENDING');
  });
});
