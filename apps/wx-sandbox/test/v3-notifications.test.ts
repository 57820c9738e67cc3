import { beforeEach, describe, expect, it } from 'vitest';
import { NOTIFY_RETRY_INTERVALS_SECONDS } from '../src/index.js';
import { eventually } from './support/http.js';
import {
  decryptAesGcm,
  DEMO_V3,
  paidV3Order,
  platformPublicKey,
  v3Suite,
  wechatpaySignatureOk,
} from './support/v3-wire.js';

// timeScale 0.0002: the 15 s retry interval is 3 ms, so the first retries come quickly.
const suite = v3Suite({ timeScale: 0.0002 }, 'carol');
beforeEach(() => {
  suite.receiver.hits.length = 0;
  suite.receiver.respond = () => ({ status: 204 });
  suite.sandbox.clearFaults();
});

const payV3 = (overrides: Record<string, unknown> = {}) =>
  paidV3Order(suite.sandbox, suite.openid, { notify_url: suite.receiver.url, ...overrides });

const records = (outTradeNo: string) => suite.sandbox.notifications(outTradeNo);

describe('v3 payment notifications', () => {
  it('when a v3 order is paid, then TRANSACTION.SUCCESS is POSTed as signed JSON whose resource decrypts to the transaction', async () => {
    const { outTradeNo, transactionId } = await payV3({ attach: 'a=1' });
    const hit = await eventually(() => suite.receiver.hits[0], 5000, 'notification');
    expect(hit.headers['content-type']).toContain('application/json');
    expect(hit.headers['wechatpay-serial']).toBe(DEMO_V3.platformSerial);
    expect(hit.headers['wechatpay-signature-type']).toBe('WECHATPAY2-SHA256-RSA2048');
    expect(wechatpaySignatureOk(hit.headers, hit.body, platformPublicKey())).toBe(true);
    expect(
      wechatpaySignatureOk(
        hit.headers,
        hit.body.replace('SUCCESS', 'SUCCES5'),
        platformPublicKey(),
      ),
    ).toBe(false);
    const envelope = JSON.parse(hit.body);
    expect(envelope).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      create_time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/),
      event_type: 'TRANSACTION.SUCCESS',
      resource_type: 'encrypt-resource',
      summary: '支付成功',
      resource: {
        original_type: 'transaction',
        algorithm: 'AEAD_AES_256_GCM',
        associated_data: 'transaction',
        nonce: expect.stringMatching(/^\w{12}$/),
      },
    });
    const transaction = JSON.parse(decryptAesGcm(envelope.resource));
    expect(transaction).toMatchObject({
      appid: DEMO_V3.appId,
      mchid: DEMO_V3.mchId,
      out_trade_no: outTradeNo,
      transaction_id: transactionId,
      trade_type: 'JSAPI',
      trade_state: 'SUCCESS',
      attach: 'a=1',
      payer: { openid: suite.openid },
      amount: { total: 1990, payer_total: 1990, currency: 'CNY' },
    });
    expect(() => decryptAesGcm(envelope.resource, 'fensandboxapikey0123456789abcdef')).toThrow();
    await eventually(() => (records(outTradeNo)[0]?.state === 'DELIVERED' ? true : undefined));
    expect(records(outTradeNo)[0]!.attempts).toMatchObject([
      { attempt: 1, result: 'SUCCESS', http_status: 204 },
    ]);
  });

  it('when the notify_url answers non-2xx, then it is retried on the schedule with the same envelope, freshly signed, until a 2xx', async () => {
    suite.receiver.respond = (n) =>
      n <= 3
        ? { status: n === 1 ? 500 : 404, body: '{"code":"FAIL","message":"失败"}' }
        : { status: 200 };
    const { outTradeNo } = await payV3();
    await eventually(
      () => (records(outTradeNo)[0]?.state === 'DELIVERED' ? true : undefined),
      10_000,
      'delivery',
    );
    const attempts = records(outTradeNo)[0]!.attempts;
    expect(attempts.map((a) => [a.attempt, a.result, a.http_status])).toEqual([
      [1, 'FAIL', 500],
      [2, 'FAIL', 404],
      [3, 'FAIL', 404],
      [4, 'SUCCESS', 200],
    ]);
    expect(attempts.map((a) => a.scheduled_delay_seconds)).toEqual([
      0,
      ...NOTIFY_RETRY_INTERVALS_SECONDS.slice(0, 3),
    ]);
    expect(suite.receiver.hits).toHaveLength(4);
    const ids = new Set(suite.receiver.hits.map((h) => JSON.parse(h.body).id));
    expect(ids.size).toBe(1);
    expect(new Set(suite.receiver.hits.map((h) => h.headers['wechatpay-nonce'])).size).toBe(4);
    for (const hit of suite.receiver.hits)
      expect(wechatpaySignatureOk(hit.headers, hit.body, platformPublicKey())).toBe(true);
  });

  it('when the notify_url answers 200 with code FAIL, then it counts as acknowledged (only non-2xx is retried)', async () => {
    suite.receiver.respond = () => ({ status: 200, body: '{"code":"FAIL","message":"失败"}' });
    const { outTradeNo } = await payV3();
    await eventually(() => (records(outTradeNo)[0]?.state === 'DELIVERED' ? true : undefined));
    await new Promise((r) => setTimeout(r, 50)); // several retry intervals at this time scale
    expect(suite.receiver.hits).toHaveLength(1);
  });

  it('when faults drop the first attempts and add duplicates, then they apply to v3 notifications too', async () => {
    suite.sandbox.setFaults({
      dropFirstAttempts: 2,
      duplicateNotifications: { count: 1, concurrent: true },
    });
    const { outTradeNo } = await payV3();
    await eventually(
      () => (records(outTradeNo)[0]?.state === 'DELIVERED' ? true : undefined),
      10_000,
    );
    const attempts = records(outTradeNo)[0]!.attempts;
    expect(attempts.filter((a) => a.result === 'DROPPED').map((a) => a.attempt)).toEqual([1, 2]);
    expect(
      attempts
        .filter((a) => a.attempt === 3)
        .map((a) => a.copy)
        .sort(),
    ).toEqual([0, 1]);
    expect(suite.receiver.hits).toHaveLength(2);
  });

  it('when the control API lists notifications, then the v3 delivery log is there like v2', async () => {
    const { outTradeNo } = await payV3();
    await eventually(() => (records(outTradeNo)[0]?.state === 'DELIVERED' ? true : undefined));
    const res = await fetch(
      `${suite.sandbox.url}/__sandbox/notifications?out_trade_no=${outTradeNo}`,
    );
    const { notifications } = (await res.json()) as {
      notifications: { kind: string; notify_url: string; state: string }[];
    };
    expect(notifications).toMatchObject([
      { kind: 'payment', notify_url: suite.receiver.url, state: 'DELIVERED' },
    ]);
  });
});
