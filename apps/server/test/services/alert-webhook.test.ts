import { LogCapture, eventually, startWebhookReceiver } from '@fen/test-support';
import type { WebhookReceiver } from '@fen/test-support';
import { Types } from 'mongoose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { alertBody, createAlertWebhook } from '../../src/services/alert-webhook.js';
import type { AlertWebhook, AlertWebhookSettings } from '../../src/services/alert-webhook.js';
import {
  alertingAnomalyStore,
  anomalyAlert,
  fenToYuan,
} from '../../src/services/anomaly-alerts.js';
import type { AnomalyDoc } from '../../src/stores/anomaly-model.js';
import { createInMemoryAnomalyStore } from '../fakes/index.js';

// New anomalies pushed to a webhook (issue 16 §3): the zh-CN content, WeCom's body, bounded
// retries with backoff, and a send that never waits; against a real local HTTP endpoint.
let receiver: WebhookReceiver;
let logs: LogCapture;
const webhooks: AlertWebhook[] = [];

beforeEach(async () => {
  receiver = await startWebhookReceiver();
  logs = new LogCapture();
});
afterEach(async () => {
  await Promise.all(webhooks.splice(0).map((webhook) => webhook.close()));
  await receiver.close();
});

/** A webhook with test-sized waits: 20 ms backoff, 300 ms per attempt. */
function webhook(settings: Partial<AlertWebhookSettings> = {}): AlertWebhook {
  const made = createAlertWebhook(
    { url: receiver.url, format: 'wecom', backoffMs: 20, timeoutMs: 300, ...settings },
    createLogger('debug', logs),
  );
  webhooks.push(made);
  return made;
}

const anomaly = (overrides: Partial<AnomalyDoc> = {}): AnomalyDoc => ({
  _id: new Types.ObjectId(),
  dedupeKey: 'AMOUNT_MISMATCH:PAY:FEN1:4200000001',
  kind: 'AMOUNT_MISMATCH',
  outTradeNo: 'FEN20261208001',
  orderId: new Types.ObjectId(),
  detail: 'WeChat reports 99 fen, the order is 12345 fen',
  data: { totalFen: '12345', transactionId: '4200000001', openid: 'o-secret-payer' },
  // 04:05:09 UTC is 12:05:09 in Beijing.
  createdAt: new Date('2026-12-08T04:05:09Z'),
  ...overrides,
});

describe('the alert for an anomaly', () => {
  it('when an amount mismatch is new, then the text says, in Chinese, what, which order, how much in fen and yuan, and when in Beijing time; never the payer', () => {
    const alert = anomalyAlert(anomaly());
    expect(alert.text.split('\n').slice(0, 4)).toEqual([
      '【Fen 支付异常】金额不符（AMOUNT_MISMATCH）',
      '商户订单号：FEN20261208001',
      '支付金额：12345 分（¥123.45）',
      '发现时间：2026-12-08 12:05:09（北京时间）',
    ]);
    expect(alert.fields).toMatchObject({
      kind: 'AMOUNT_MISMATCH',
      outTradeNo: 'FEN20261208001',
      amountFen: 12345,
      amountYuan: '123.45',
      createdAt: '2026-12-08T04:05:09.000Z',
    });
    expect(JSON.stringify(alert)).not.toContain('o-secret-payer');
  });

  it('when a refund anomaly names refund_fee, then that is the amount shown', () => {
    const text = anomalyAlert(
      anomaly({ kind: 'UNKNOWN_REFUND', data: { total_fee: '500', refund_fee: '5' } }),
    ).text;
    expect(text).toContain('退款金额：5 分（¥0.05）');
  });

  it('fen become yuan exactly', () => {
    expect([0, 1, 10, 99, 100, 123456789].map(fenToYuan)).toEqual([
      '0.00',
      '0.01',
      '0.10',
      '0.99',
      '1.00',
      '1234567.89',
    ]);
  });

  it('when the format is wecom, then the body is a WeCom text message within its 2048 bytes', () => {
    const long = anomalyAlert(anomaly({ detail: '很长'.repeat(2000) }));
    const body = JSON.parse(alertBody(long, 'wecom')) as {
      msgtype: string;
      text: { content: string };
    };
    expect(body.msgtype).toBe('text');
    expect(body.text.content.startsWith('【Fen 支付异常】金额不符')).toBe(true);
    expect(Buffer.byteLength(body.text.content)).toBeLessThanOrEqual(2048);
    const json = JSON.parse(alertBody(long, 'json')) as Record<string, unknown>;
    expect(json).toMatchObject({
      event: 'anomaly.created',
      kind: 'AMOUNT_MISMATCH',
      text: long.text,
    });
  });
});

describe('the webhook', () => {
  it('when an alert is sent, then exactly one POST arrives, as WeCom expects it', async () => {
    const alert = anomalyAlert(anomaly());
    webhook().send(alert);
    await eventually(() => (receiver.received.length > 0 ? true : undefined), 5000, 'the POST');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.headers['content-type']).toMatch(/^application\/json/);
    expect(receiver.received[0]!.body).toEqual({ msgtype: 'text', text: { content: alert.text } });
  });

  it('when the webhook answers 500 twice, then it is tried again after a growing wait and delivered on the third', async () => {
    receiver.plan('error', 'error');
    webhook({ backoffMs: 100 }).send(anomalyAlert(anomaly()));
    await eventually(() => (receiver.received.length >= 3 ? true : undefined), 5000, '3 tries');
    await eventually(
      () => (logs.text.includes('alert delivered') ? true : undefined),
      5000,
      'the delivery',
    );
    const [first, second, third] = receiver.received.map((r) => r.at);
    expect(second! - first!).toBeGreaterThanOrEqual(90);
    expect(third! - second!).toBeGreaterThanOrEqual(190);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received).toHaveLength(3);
  });

  it('when a WeCom robot answers 200 with a non-zero errcode, then that is a failure, tried again', async () => {
    // The robot refuses past 20 messages a minute with HTTP 200 and errcode 45009.
    receiver.plan('refused');
    webhook().send(anomalyAlert(anomaly()));
    await eventually(
      () => (logs.text.includes('alert delivered') ? true : undefined),
      5000,
      'the delivery',
    );
    expect(receiver.received).toHaveLength(2);
  });

  it('when the format is json, then a 200 is a delivery whatever its body', async () => {
    receiver.plan('refused');
    webhook({ format: 'json' }).send(anomalyAlert(anomaly()));
    await eventually(
      () => (logs.text.includes('alert delivered') ? true : undefined),
      5000,
      'the delivery',
    );
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.body).toMatchObject({ source: 'fen', kind: 'AMOUNT_MISMATCH' });
  });

  it('when the webhook never answers, then send returns at once, each attempt is cut off, it gives up after its attempts, and the log never shows the URL', async () => {
    receiver.setDefault('hang');
    const started = Date.now();
    webhook({ attempts: 3, timeoutMs: 200 }).send(anomalyAlert(anomaly()));
    expect(Date.now() - started).toBeLessThan(50);
    await eventually(
      () => (logs.text.includes('alert not delivered') ? true : undefined),
      5000,
      'giving up',
    );
    expect(receiver.received).toHaveLength(3);
    expect(logs.text).toContain('127.0.0.1');
    expect(logs.text).not.toContain('test-robot-key');
  });

  it('when the server stops, then retries stop and close returns promptly', async () => {
    receiver.setDefault('error');
    const alerts = webhook({ attempts: 5, backoffMs: 10_000 });
    alerts.send(anomalyAlert(anomaly()));
    await eventually(() => (receiver.received.length >= 1 ? true : undefined), 5000, 'the POST');
    const started = Date.now();
    await alerts.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(receiver.received).toHaveLength(1);
  });
});

describe('alerting on new anomalies', () => {
  it('when a cause is recorded twice, then one alert is sent: a repeat alerts no one', async () => {
    const sent: string[] = [];
    const store = alertingAnomalyStore(createInMemoryAnomalyStore(), {
      send: (alert) => sent.push(String(alert.fields.id)),
      close: async () => undefined,
    });
    const { _id: _drop, createdAt: _at, ...raw } = anomaly();
    const first = await store.record(raw, new Date());
    expect(await store.record({ ...raw, detail: 'again' }, new Date())).toBeUndefined();
    expect(sent).toEqual([first!._id.toHexString()]);
  });
});
