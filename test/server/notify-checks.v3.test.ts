import { createHash } from 'node:crypto';
import { DEMO_MOBILE_APP } from '@fen/demo';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  postV3Notification,
  transactionResource,
  v3Notification,
} from './helpers/notifications-v3.js';
import { useFenStack } from './helpers/stack.js';
import { loginAs, placeOrder } from './helpers/v3-flow.js';

// The APIv3 counterparts of notify-checks.test.ts (only in the e2e-v3 project): the decrypted
// resource must name the order's appid and CNY, and its transaction must have paid no other
// order; a refused notification leaves a bounded log entry.
const stack = useFenStack({ server: { env: { WX_MOBILE_APPID: DEMO_MOBILE_APP.appId } } });
let token: string;

beforeAll(async () => {
  token = await loginAs(stack.server, stack.sandbox, 'v3-notify-checks-buyer');
});

const newOrder = async () => (await placeOrder(stack.server, token)).order;
const notifyUrl = () => `${stack.server.url}/wxpay/v3/notify`;
const models = () => stack.server.running.runtime.db.models;
const stored = async (id: string) => models().Order.findById(id).lean();
const anomalyKinds = async (outTradeNo: string) =>
  (await models().Anomaly.find({ outTradeNo }).lean()).map((a) => a.kind);
const cny = (total: number, currency = 'CNY') => ({
  total,
  payer_total: total,
  currency,
  payer_currency: currency,
});

describe('APIv3 notifications checked against the order', () => {
  it("when a genuine notification names another of the merchant's appids, then 204, the order stays PENDING with an APPID_MISMATCH anomaly", async () => {
    const order = await newOrder();
    const message = v3Notification(transactionResource(order, { appid: DEMO_MOBILE_APP.appId }));
    expect((await postV3Notification(notifyUrl(), message)).status).toBe(204);
    expect((await stored(order.id))?.status).toBe('PENDING');
    expect(await anomalyKinds(order.outTradeNo)).toEqual(['APPID_MISMATCH']);
  });

  it('when amount.currency is not CNY, then 204, PENDING and a CURRENCY_MISMATCH anomaly', async () => {
    const order = await newOrder();
    const resource = transactionResource(order, { amount: cny(order.totalFen, 'USD') });
    expect((await postV3Notification(notifyUrl(), v3Notification(resource))).status).toBe(204);
    expect((await stored(order.id))?.status).toBe('PENDING');
    expect(await anomalyKinds(order.outTradeNo)).toEqual(['CURRENCY_MISMATCH']);
  });

  it('when a transaction_id that paid one order is named for a second, then the second stays PENDING with a TRANSACTION_REUSED anomaly', async () => {
    const first = await newOrder();
    const second = await newOrder();
    const transactionId = `4200000016${Date.now()}`;
    const pay = (order: typeof first) =>
      postV3Notification(
        notifyUrl(),
        v3Notification(transactionResource(order, { transaction_id: transactionId })),
      );
    expect((await pay(first)).status).toBe(204);
    const paidFirst = await stored(first.id);
    expect(paidFirst).toMatchObject({ status: 'PAID', transactionId });
    expect((await pay(second)).status).toBe(204);
    expect((await stored(second.id))?.status).toBe('PENDING');
    expect(await stored(first.id)).toEqual(paidFirst);
    expect(await anomalyKinds(second.outTradeNo)).toEqual(['TRANSACTION_REUSED']);
  });
});

describe('a refused APIv3 notification in the log', () => {
  it('when an unsigned 63 KB body arrives, then one small entry names the check, the length and the hash, and nothing of the body', async () => {
    const marker = 'FEN-V3-BODY-MARKER';
    const body = JSON.stringify({ id: marker, resource: { ciphertext: marker.repeat(3600) } });
    expect(body.length).toBeGreaterThan(63 * 1024);
    const logs = stack.server.logs;
    const before = logs.lines.length;
    const reply = await postV3Notification(notifyUrl(), { body, headers: {} });
    expect(reply.status).toBe(500);
    const added = logs.lines.slice(before);
    expect(added.join('\n').length).toBeLessThan(2048);
    expect(added.join('\n')).not.toContain(marker);
    const refused = added
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.msg === 'payment notification refused');
    expect(refused).toMatchObject({
      check: 'V3_SIGNATURE_HEADERS_INVALID',
      api: 'v3',
      fieldNames: ['id', 'resource'],
      bodyBytes: Buffer.byteLength(body),
      bodySha256: createHash('sha256').update(body).digest('hex'),
    });
  });
});
