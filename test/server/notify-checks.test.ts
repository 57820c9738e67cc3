import { createHash } from 'node:crypto';
import { DEMO_MOBILE_APP } from '@fen/demo';
import { toXml } from '@fen/wxpay';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  isSuccessReply,
  postNotification,
  signedPaymentNotification,
} from './helpers/notifications.js';
import { DEMO, useFenStack } from './helpers/stack.js';
import { loginAs, placeOrder } from './helpers/v3-flow.js';

// What a payment notification must match beyond its signature (issue 15, §3): the order's own
// appid, CNY, a transaction that paid no other order; and what a refused one leaves in the log.
// APIv2 notifications, so in both e2e projects (the APIv3 server still takes them).
const stack = useFenStack({
  // A second appid of this merchant, so a genuinely signed notification can name "one of ours"
  // that is not the order's.
  server: { env: { WX_MOBILE_APPID: DEMO_MOBILE_APP.appId } },
});
let token: string;

beforeAll(async () => {
  token = await loginAs(stack.server, stack.sandbox, 'notify-checks-buyer');
});

const newOrder = async () => (await placeOrder(stack.server, token)).order;
const notifyUrl = () => `${stack.server.url}/wxpay/notify`;
const models = () => stack.server.running.runtime.db.models;
const stored = async (id: string) => models().Order.findById(id).lean();
const anomalyKinds = async (outTradeNo: string) =>
  (await models().Anomaly.find({ outTradeNo }).lean()).map((a) => a.kind);

describe('a refused notification in the log', () => {
  it('when an unsigned 63 KB notification arrives, then the log gains one small entry naming the check, a hash and field names, and nothing of the body', async () => {
    const marker = 'FEN-BODY-MARKER';
    const xml = toXml({
      return_code: 'SUCCESS',
      appid: DEMO.appId,
      mch_id: DEMO.mchId,
      out_trade_no: `${marker}-out-trade-no`,
      attach: `${marker}${'x'.repeat(63 * 1024)}`,
    });
    expect(xml.length).toBeGreaterThan(63 * 1024);
    const logs = stack.server.logs;
    const before = logs.lines.length;
    const reply = await postNotification(notifyUrl(), xml);
    expect(isSuccessReply(reply.text)).toBe(false);

    const added = logs.lines.slice(before);
    expect(added.join('\n').length).toBeLessThan(2048);
    expect(added.join('\n')).not.toContain(marker);
    const refused = added
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.msg === 'payment notification refused');
    expect(refused).toMatchObject({
      check: 'NOTIFY_SIGN_MISSING',
      appIdMatched: true,
      mchIdMatched: true,
      fieldNames: ['return_code', 'appid', 'mch_id', 'out_trade_no', 'attach'],
      bodyBytes: Buffer.byteLength(xml),
      bodySha256: createHash('sha256').update(xml).digest('hex'),
    });
  });

  it('when a notification names another merchant or is not XML, then the log says which and stays small', async () => {
    const logs = stack.server.logs;
    const before = logs.lines.length;
    const order = await newOrder();
    await postNotification(notifyUrl(), signedPaymentNotification(order, { mch_id: '1900000110' }));
    const notXml = `not xml ${'y'.repeat(60 * 1024)}`;
    await postNotification(notifyUrl(), notXml);
    const refused = logs.lines
      .slice(before)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === 'payment notification refused');
    expect(refused).toMatchObject([
      { check: 'NOTIFY_MCHID_MISMATCH', appIdMatched: true, mchIdMatched: false },
      { check: 'NOTIFY_MALFORMED', fieldNames: [], bodyBytes: notXml.length },
    ]);
    expect(logs.lines.slice(before).join('\n')).not.toContain('yyyyyyyy');
  });
});

describe('payment notifications checked against the order', () => {
  it("when a genuinely signed notification names another of the merchant's appids, then the order stays PENDING, an APPID_MISMATCH anomaly is kept and WeChat is acknowledged", async () => {
    const order = await newOrder();
    const xml = signedPaymentNotification(order, { appid: DEMO_MOBILE_APP.appId });
    for (let i = 0; i < 2; i += 1) {
      expect(isSuccessReply((await postNotification(notifyUrl(), xml)).text)).toBe(true);
    }
    expect((await stored(order.id))?.status).toBe('PENDING');
    expect(await anomalyKinds(order.outTradeNo)).toEqual(['APPID_MISMATCH']);
  });

  it('when the fee_type is not CNY, then the order stays PENDING with a CURRENCY_MISMATCH anomaly', async () => {
    const order = await newOrder();
    const xml = signedPaymentNotification(order, { fee_type: 'USD' });
    expect(isSuccessReply((await postNotification(notifyUrl(), xml)).text)).toBe(true);
    expect((await stored(order.id))?.status).toBe('PENDING');
    expect(await anomalyKinds(order.outTradeNo)).toEqual(['CURRENCY_MISMATCH']);
    // fee_type is optional in WeChat's notification (default CNY): without it the order is paid.
    const plain = await newOrder();
    const withoutFeeType = signedPaymentNotification(plain, { fee_type: '' });
    expect(isSuccessReply((await postNotification(notifyUrl(), withoutFeeType)).text)).toBe(true);
    expect((await stored(plain.id))?.status).toBe('PAID');
  });

  it('when a transaction_id that paid one order is named for a second order, then the second stays PENDING with a TRANSACTION_REUSED anomaly, the first is untouched', async () => {
    const first = await newOrder();
    const second = await newOrder();
    const transactionId = `4200000015${Date.now()}`;
    const paying = signedPaymentNotification(first, { transaction_id: transactionId });
    expect(isSuccessReply((await postNotification(notifyUrl(), paying)).text)).toBe(true);
    const paidFirst = await stored(first.id);
    expect(paidFirst).toMatchObject({ status: 'PAID', transactionId });

    const reused = signedPaymentNotification(second, { transaction_id: transactionId });
    for (let i = 0; i < 2; i += 1) {
      expect(isSuccessReply((await postNotification(notifyUrl(), reused)).text)).toBe(true);
    }
    expect((await stored(second.id))?.status).toBe('PENDING');
    expect(await stored(first.id)).toEqual(paidFirst);
    expect(await anomalyKinds(second.outTradeNo)).toEqual(['TRANSACTION_REUSED']);
    // Each order's notification is its own event (out_trade_no + transaction_id).
    const events = await models().PaymentEvent.find({ transactionId }).lean();
    expect(events.map((e) => [e.outTradeNo, e.outcome]).sort()).toEqual(
      [
        [first.outTradeNo, 'APPLIED'],
        [second.outTradeNo, 'ANOMALY'],
      ].sort(),
    );
  });
});
