import { createHash, randomUUID } from 'node:crypto';
import { startWebhookReceiver } from '@fen/test-support';
import type { WebhookReceiver } from '@fen/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isSuccessReply,
  postNotification,
  signedPaymentNotification,
} from './helpers/notifications.js';
import { DEMO, call, eventually, useFenStack } from './helpers/stack.js';
import { loginAs, placeOrder } from './helpers/v3-flow.js';

// The anomaly queue (issue 16 §3): every anomaly listed (unknown orders too), resolved once by a
// named operator, and each new one pushed to ALERT_WEBHOOK_URL (a local stand-in for a WeCom
// robot) without delaying the notification that found it. Genuinely signed APIv2 notifications,
// so in both e2e projects (the APIv3 server still takes them).
const alice = `alice-token-${randomUUID()}`;
const bob = `bob-token-${randomUUID()}`;
const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

let receiver: WebhookReceiver;
const stack = useFenStack({
  server: async () => {
    receiver = await startWebhookReceiver();
    return {
      env: {
        ADMIN_TOKENS: `alice:${sha256(alice)},bob:${sha256(bob)}`,
        ALERT_WEBHOOK_URL: receiver.url,
      },
    };
  },
});
afterAll(async () => receiver?.close());

let buyer: string;
beforeAll(async () => {
  buyer = await loginAs(stack.server, stack.sandbox, 'anomalies-buyer');
});

const notify = (xml: string) => postNotification(`${stack.server.url}/wxpay/notify`, xml);
const models = () => stack.server.running.runtime.db.models;
const admin = (path: string, init: Parameters<typeof call>[1] = {}) =>
  call(`${stack.server.url}/admin/anomalies${path}`, { token: alice, ...init });

/** A genuinely signed payment notification for an order no one placed: an UNKNOWN_ORDER anomaly. */
function unknownOrderNotification(totalFen = 123) {
  const outTradeNo = `FENGHOST${randomUUID().replace(/-/g, '').slice(0, 20)}`;
  return { outTradeNo, xml: signedPaymentNotification({ outTradeNo, totalFen }) };
}

async function storedAnomaly(outTradeNo: string) {
  return eventually(
    async () => (await models().Anomaly.findOne({ outTradeNo }).lean()) ?? undefined,
    5000,
    `the anomaly of ${outTradeNo}`,
  );
}

/** The webhook's POSTs about one anomaly (its id is in every alert). */
const alertsFor = (id: string) =>
  receiver.received.filter((request) => JSON.stringify(request.body).includes(id));

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('anomalies for unknown orders', () => {
  it('when a signed notification names an order we do not have, then the anomaly is listed, and the webhook gets one WeCom message for it, in Chinese; a repeat adds neither', async () => {
    const { outTradeNo, xml } = unknownOrderNotification(123);
    const reply = await notify(xml);
    expect(isSuccessReply(reply.text)).toBe(false);
    const stored = await storedAnomaly(outTradeNo);
    const id = stored._id.toHexString();

    const listed = await admin('?kind=UNKNOWN_ORDER');
    expect(listed.status).toBe(200);
    const mine = listed.body.anomalies.find((a: { id: string }) => a.id === id);
    expect(mine).toMatchObject({
      id,
      kind: 'UNKNOWN_ORDER',
      status: 'open',
      outTradeNo,
      data: { out_trade_no: outTradeNo, total_fee: '123' },
    });
    expect(mine).not.toHaveProperty('orderId');
    expect(mine).not.toHaveProperty('resolution');

    const [alert] = await eventually(
      () => (alertsFor(id).length > 0 ? alertsFor(id) : undefined),
      10_000,
      'the alert',
    );
    const content = (alert!.body as { msgtype: string; text: { content: string } }).text.content;
    expect((alert!.body as { msgtype: string }).msgtype).toBe('text');
    expect(content).toContain('未知订单');
    expect(content).toContain(`商户订单号：${outTradeNo}`);
    expect(content).toContain('123 分（¥1.23）');
    expect(content).toMatch(/发现时间：\d{4}-\d\d-\d\d \d\d:\d\d:\d\d（北京时间）/);
    expect(content).not.toContain(DEMO.key);

    // WeChat repeats the notification: one anomaly stands, and no one is alerted twice.
    await notify(xml);
    await settle(1500);
    expect(await models().Anomaly.countDocuments({ outTradeNo })).toBe(1);
    expect(alertsFor(id)).toHaveLength(1);
  });

  it('when the webhook answers 500 once, then the alert is tried again after a wait and delivered', async () => {
    receiver.plan('error');
    const { outTradeNo, xml } = unknownOrderNotification();
    await notify(xml);
    const id = (await storedAnomaly(outTradeNo))._id.toHexString();
    const tries = await eventually(
      () => (alertsFor(id).length >= 2 ? alertsFor(id) : undefined),
      10_000,
      'the second try',
    );
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(900);
    await eventually(
      () => (stack.server.logs.text.includes('alert delivered') ? true : undefined),
      5000,
      'the delivery',
    );
    expect(stack.server.logs.text).not.toContain('test-robot-key');
  });

  it('when the webhook never answers, then the notification is still answered at once and the anomaly is stored', async () => {
    receiver.setDefault('hang');
    try {
      const { outTradeNo, xml } = unknownOrderNotification();
      const started = Date.now();
      const reply = await notify(xml);
      // One attempt alone waits 5 s for the webhook: an answer well before says it never waited.
      expect(Date.now() - started).toBeLessThan(2000);
      expect(reply.status).toBeLessThan(500);
      const id = (await storedAnomaly(outTradeNo))._id.toHexString();
      await eventually(() => (alertsFor(id).length > 0 ? true : undefined), 5000, 'the try');
    } finally {
      receiver.setDefault('ok');
    }
  });
});

describe('the queue', () => {
  it('when anomalies of two kinds exist, then they list newest first, by kind, by status, and page by page without repeats', async () => {
    const { order } = await placeOrder(stack.server, buyer);
    await notify(signedPaymentNotification(order, { total_fee: String(order.totalFen + 1) }));
    const mismatch = await storedAnomaly(order.outTradeNo);
    expect(mismatch.kind).toBe('AMOUNT_MISMATCH');
    for (let i = 0; i < 3; i += 1) {
      const { outTradeNo, xml } = unknownOrderNotification();
      await notify(xml);
      await storedAnomaly(outTradeNo);
    }

    const all = (await admin('?limit=200')).body.anomalies as Array<{
      id: string;
      kind: string;
      createdAt: string;
    }>;
    const times = all.map((a) => a.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    expect(all.length).toBe(await models().Anomaly.countDocuments());

    const mismatches = (await admin('?kind=AMOUNT_MISMATCH')).body.anomalies;
    expect(mismatches.map((a: { kind: string }) => a.kind)).toEqual(['AMOUNT_MISMATCH']);
    expect(mismatches[0]).toMatchObject({
      id: mismatch._id.toHexString(),
      orderId: order.id,
      outTradeNo: order.outTradeNo,
    });

    const paged: string[] = [];
    let before: string | undefined;
    for (let page = 0; page < 20; page += 1) {
      const res = await admin(`?limit=2${before ? `&before=${before}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.anomalies.length).toBeLessThanOrEqual(2);
      paged.push(...res.body.anomalies.map((a: { id: string }) => a.id));
      before = res.body.nextBefore;
      if (!before) break;
    }
    expect(paged).toEqual(all.map((a) => a.id));
  });

  it('when an operator resolves an anomaly, then who, how and when are recorded; resolving it again is 409 and changes nothing', async () => {
    const { outTradeNo, xml } = unknownOrderNotification();
    await notify(xml);
    const id = (await storedAnomaly(outTradeNo))._id.toHexString();

    const logs = stack.server.logs;
    const before = logs.lines.length;
    const resolved = await admin(`/${id}/resolve`, {
      body: { note: '  已与微信支付核实，款项原路退回  ' },
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body.anomaly).toMatchObject({
      id,
      status: 'resolved',
      resolution: { by: 'alice', note: '已与微信支付核实，款项原路退回' },
    });
    const at = Date.parse(resolved.body.anomaly.resolution.at);
    expect(Math.abs(at - Date.now())).toBeLessThan(60_000);
    const line = logs.lines
      .slice(before)
      .map((text) => JSON.parse(text) as Record<string, unknown>)
      .find((entry) => entry.msg === 'operator resolved an anomaly');
    expect(line).toMatchObject({ operator: 'alice', anomalyId: id });

    const open = (await admin('?status=open&limit=200')).body.anomalies.map(
      (a: { id: string }) => a.id,
    );
    const done = (await admin('?status=resolved&limit=200')).body.anomalies.map(
      (a: { id: string }) => a.id,
    );
    expect(open).not.toContain(id);
    expect(done).toContain(id);

    const stored = await models().Anomaly.findById(id).lean();
    const again = await admin(`/${id}/resolve`, { token: bob, body: { note: 'bob was here' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CONFLICT');
    expect(again.body.error.message).toContain('alice');
    expect(await models().Anomaly.findById(id).lean()).toEqual(stored);
  });

  it('when the input is bad, then a clear 400 (404 for an unknown id, 401 without a token) and nothing changes', async () => {
    const { outTradeNo, xml } = unknownOrderNotification();
    await notify(xml);
    const id = (await storedAnomaly(outTradeNo))._id.toHexString();
    const stored = await models().Anomaly.findById(id).lean();

    for (const query of [
      '?status=closed',
      '?kind=NOT_A_KIND',
      '?limit=0',
      '?limit=201',
      '?before=xyz',
      `?before=${'0'.repeat(24)}`,
      '?state=open',
      '?status=open&status=resolved',
    ]) {
      const res = await admin(query);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code, query).toBe('VALIDATION_FAILED');
      expect(res.body.error.message, query).toMatch(/^invalid (anomaly filter|before)/);
    }

    const resolve = (path: string, body: unknown, token = alice) =>
      admin(path, { token, method: 'POST', ...(body === undefined ? {} : { body }) });
    const refusals: Array<[string, unknown, number, RegExp]> = [
      [`/${id}/resolve`, undefined, 400, /note/],
      [`/${id}/resolve`, { note: '   ' }, 400, /must say how it was resolved/],
      [`/${id}/resolve`, { note: 'x'.repeat(501) }, 400, /note/],
      [`/${id}/resolve`, { note: 'ok\u0000' }, 400, /control characters/],
      [`/${id}/resolve`, { note: 'ok', by: 'mallory' }, 400, /by|unrecognized/i],
      [`/${id}/resolve`, { note: 42 }, 400, /note/],
      ['/not-an-id/resolve', { note: 'ok' }, 400, /anomaly id/],
      [`/${'0'.repeat(24)}/resolve`, { note: 'ok' }, 404, /no such anomaly/],
    ];
    for (const [path, body, status, message] of refusals) {
      const res = await resolve(path, body);
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(status);
      expect(res.body.error.message, `${path} ${JSON.stringify(body)}`).toMatch(message);
    }
    const notJson = await fetch(`${stack.server.url}/admin/anomalies/${id}/resolve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice}`, 'content-type': 'text/plain' },
      body: 'note=ok',
    });
    expect(notJson.status).toBe(415);

    const anonymous = await call(`${stack.server.url}/admin/anomalies/${id}/resolve`, {
      body: { note: 'ok' },
    });
    expect(anonymous.status).toBe(401);
    expect((await call(`${stack.server.url}/admin/anomalies`)).status).toBe(401);

    expect(await models().Anomaly.findById(id).lean()).toEqual(stored);
  });
});
