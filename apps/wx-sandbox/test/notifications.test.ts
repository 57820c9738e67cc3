import { afterEach, describe, expect, it } from 'vitest';
import { NOTIFY_RETRY_INTERVALS_SECONDS, createSandbox } from '../src/index.js';
import type { Sandbox } from '../src/index.js';
import { FAIL_REPLY, SUCCESS_REPLY, eventually, json, startReceiver } from './support/http.js';
import type { Receiver } from './support/http.js';
import { createOrder } from './support/orders.js';
import { DEMO, replySignOk } from './support/wire.js';
import { vector } from './support/vectors.js';

const SCHEDULE = vector('notify-retry-schedule-current').expected as {
  intervals_seconds: number[];
  total_seconds: number;
  attempts_including_first: number;
};

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});
async function setup(
  options: Parameters<typeof createSandbox>[0] = {},
): Promise<{ sandbox: Sandbox; receiver: Receiver }> {
  const sandbox = await createSandbox(options);
  const receiver = await startReceiver();
  open.push(sandbox, receiver);
  return { sandbox, receiver };
}

/** Waits until the first notification of `outTradeNo` reaches `state`. */
const untilState = (sandbox: Sandbox, outTradeNo: string, state: string, timeoutMs = 3000) =>
  eventually(
    () => (sandbox.notifications(outTradeNo)[0]?.state === state ? true : undefined),
    timeoutMs,
    `notification ${state}`,
  );

function beijingNow(sandbox: Sandbox): string {
  return new Date(sandbox.now().getTime() + 8 * 3600_000)
    .toISOString()
    .slice(0, 19)
    .replace(/[-T:]/g, '');
}

describe('payment notification', () => {
  it('when the payer pays, then a signed notification with §4.1 fields reaches notify_url once it says SUCCESS', async () => {
    const { sandbox, receiver } = await setup();
    const { fields, reply } = await createOrder(sandbox, {
      notify_url: receiver.url,
      attach: 'order=42',
      device_info: 'WEB',
    });
    const paid = sandbox.pay(reply.prepay_id!);
    const expectedTime = beijingNow(sandbox);
    const hit = await eventually(() => receiver.hits[0], 3000, 'notification');
    const n = hit.fields;
    expect(n).toMatchObject({
      return_code: 'SUCCESS',
      return_msg: 'OK',
      appid: DEMO.appId,
      mch_id: DEMO.mchId,
      device_info: 'WEB',
      result_code: 'SUCCESS',
      openid: fields.openid,
      is_subscribe: 'N',
      trade_type: 'JSAPI',
      bank_type: 'OTHERS',
      total_fee: '1990',
      fee_type: 'CNY',
      cash_fee: '1990',
      transaction_id: paid.transaction_id,
      out_trade_no: fields.out_trade_no,
      attach: 'order=42',
    });
    expect(n.transaction_id).toMatch(/^\d{28}$/);
    expect(Math.abs(Number(n.time_end) - Number(expectedTime))).toBeLessThanOrEqual(2);
    expect(n.sign_type).toBeUndefined();
    expect(replySignOk(n, 'MD5')).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(receiver.hits).toHaveLength(1);
    const [record] = sandbox.notifications(fields.out_trade_no);
    expect(record).toMatchObject({ kind: 'payment', state: 'DELIVERED', notify_url: receiver.url });
    expect(record!.attempts).toEqual([
      expect.objectContaining({
        attempt: 1,
        copy: 0,
        result: 'SUCCESS',
        http_status: 200,
        reply: SUCCESS_REPLY,
        scheduled_delay_seconds: 0,
      }),
    ]);
  });

  it('when the order was made with HMAC-SHA256, then the notification says so and is HMAC-signed', async () => {
    const { sandbox, receiver } = await setup();
    const { reply } = await createOrder(sandbox, { notify_url: receiver.url }, 'HMAC-SHA256');
    sandbox.pay(reply.prepay_id!);
    const hit = await eventually(() => receiver.hits[0], 3000, 'notification');
    expect(hit.fields.sign_type).toBe('HMAC-SHA256');
    expect(hit.fields.sign).toMatch(/^[0-9A-F]{64}$/);
    expect(replySignOk(hit.fields, 'HMAC-SHA256')).toBe(true);
  });

  it('when the notify endpoint succeeds only on the 3rd attempt, then there are exactly 3 attempts, 15 s apart (scaled)', async () => {
    const { sandbox, receiver } = await setup({ timeScale: 0.002 });
    receiver.respond = (n) => (n < 3 ? { body: FAIL_REPLY } : { body: SUCCESS_REPLY });
    const { fields, reply } = await createOrder(sandbox, { notify_url: receiver.url });
    sandbox.pay(reply.prepay_id!);
    await eventually(() => (receiver.hits.length >= 3 ? true : undefined), 3000, '3 attempts');
    await new Promise((r) => setTimeout(r, 150)); // past the next interval (30 s × 0.002 = 60 ms)
    expect(receiver.hits).toHaveLength(3);
    const [record] = sandbox.notifications(fields.out_trade_no);
    expect(record!.state).toBe('DELIVERED');
    expect(record!.attempts.map((a) => [a.attempt, a.result, a.scheduled_delay_seconds])).toEqual([
      [1, 'FAIL', 0],
      [2, 'FAIL', 15],
      [3, 'SUCCESS', 15],
    ]);
    const gap = receiver.hits[2]!.at - receiver.hits[1]!.at;
    expect(gap).toBeGreaterThanOrEqual(15 * 1000 * 0.002 - 2);
    // Each retry carries a fresh nonce_str and a valid sign.
    expect(new Set(receiver.hits.map((h) => h.fields.nonce_str)).size).toBe(3);
    expect(receiver.hits.every((h) => replySignOk(h.fields))).toBe(true);
  });

  it("when every attempt fails, then WeChat's whole schedule runs (16 attempts, the vector's intervals) and it gives up", async () => {
    expect(NOTIFY_RETRY_INTERVALS_SECONDS).toEqual(SCHEDULE.intervals_seconds);
    expect(SCHEDULE.intervals_seconds.reduce((a, b) => a + b, 0)).toBe(SCHEDULE.total_seconds);
    const scale = 0.00001; // 86 640 s → 0.87 s: the whole schedule in under a second
    const { sandbox, receiver } = await setup({ timeScale: scale });
    receiver.respond = () => ({ status: 500, body: 'busy' });
    const { fields, reply } = await createOrder(sandbox, { notify_url: receiver.url });
    sandbox.pay(reply.prepay_id!);
    await untilState(sandbox, fields.out_trade_no!, 'GAVE_UP', 10_000);
    const [record] = sandbox.notifications(fields.out_trade_no);
    expect(record!.attempts).toHaveLength(SCHEDULE.attempts_including_first);
    expect(receiver.hits).toHaveLength(SCHEDULE.attempts_including_first);
    expect(record!.attempts.slice(1).map((a) => a.scheduled_delay_seconds)).toEqual(
      SCHEDULE.intervals_seconds,
    );
    expect(record!.attempts.every((a) => a.result === 'FAIL' && a.http_status === 500)).toBe(true);
    const hits = receiver.hits.map((h) => h.at);
    SCHEDULE.intervals_seconds.forEach((seconds, i) => {
      const expected = seconds * 1000 * scale;
      const actual = hits[i + 1]! - hits[i]!;
      expect({
        i,
        ok: actual >= expected - 2 && actual <= expected * 1.25 + 60,
        actual,
        expected,
      }).toMatchObject({ ok: true });
    });
  }, 15_000);

  it('when the reply is not a SUCCESS XML with HTTP 200, then it counts as a failure', async () => {
    const { sandbox, receiver } = await setup({ timeScale: 0.001 });
    const answers = [
      { body: 'success' },
      { status: 500, body: SUCCESS_REPLY },
      { body: '<xml><return_code>FAIL</return_code></xml>' },
      { body: SUCCESS_REPLY },
    ];
    receiver.respond = (n) => answers[n - 1] ?? { body: SUCCESS_REPLY };
    const { fields, reply } = await createOrder(sandbox, { notify_url: receiver.url });
    sandbox.pay(reply.prepay_id!);
    await untilState(sandbox, fields.out_trade_no!, 'DELIVERED', 3000);
    expect(sandbox.notifications(fields.out_trade_no)[0]!.attempts.map((a) => a.result)).toEqual([
      'FAIL',
      'FAIL',
      'FAIL',
      'SUCCESS',
    ]);
  });

  it('when notify_url does not answer in time or refuses connections, then TIMEOUT / CONNECTION_ERROR and a retry', async () => {
    const { sandbox, receiver } = await setup({ timeScale: 0.001, notifyTimeoutMs: 100 });
    receiver.respond = (n) => (n === 1 ? 'hang' : { body: SUCCESS_REPLY });
    const { fields, reply } = await createOrder(sandbox, { notify_url: receiver.url });
    sandbox.pay(reply.prepay_id!);
    await untilState(sandbox, fields.out_trade_no!, 'DELIVERED', 3000);
    const attempts = sandbox.notifications(fields.out_trade_no)[0]!.attempts;
    expect(attempts.map((a) => a.result)).toEqual(['TIMEOUT', 'SUCCESS']);
    expect(attempts[0]!.duration_ms).toBeGreaterThanOrEqual(95);

    const dead = await createOrder(sandbox, { notify_url: 'http://127.0.0.1:9/notify' });
    sandbox.pay(dead.reply.prepay_id!);
    await eventually(
      () =>
        (sandbox.notifications(dead.fields.out_trade_no)[0]?.attempts.length ?? 0) >= 2 ||
        undefined,
      3000,
      'attempts',
    );
    expect(sandbox.notifications(dead.fields.out_trade_no)[0]!.attempts[0]!.result).toBe(
      'CONNECTION_ERROR',
    );
  });

  it('when the sandbox closes, then no pending retry fires any more', async () => {
    const { sandbox, receiver } = await setup({ timeScale: 0.01 });
    receiver.respond = () => ({ body: FAIL_REPLY });
    const { reply } = await createOrder(sandbox, { notify_url: receiver.url });
    sandbox.pay(reply.prepay_id!);
    await eventually(() => receiver.hits[0], 3000, 'first attempt');
    await sandbox.close();
    await new Promise((r) => setTimeout(r, 400)); // 15 s × 0.01 = 150 ms, twice over
    expect(receiver.hits).toHaveLength(1);
  });

  it("when the control API is asked for an order's notifications, then it lists each attempt with time, delay, status, reply and result", async () => {
    const { sandbox, receiver } = await setup({ timeScale: 0.001 });
    receiver.respond = (n) => (n === 1 ? { body: FAIL_REPLY } : { body: SUCCESS_REPLY });
    const { fields, reply } = await createOrder(sandbox, { notify_url: receiver.url });
    await json(`${sandbox.url}/__sandbox/pay`, { prepay_id: reply.prepay_id, outcome: 'success' });
    await eventually(() => (receiver.hits.length >= 2 ? true : undefined), 3000, 'two attempts');
    const res = await json(
      `${sandbox.url}/__sandbox/notifications?out_trade_no=${fields.out_trade_no}`,
    );
    expect(res.status).toBe(200);
    const [n] = res.body.notifications;
    expect(n).toMatchObject({
      kind: 'payment',
      out_trade_no: fields.out_trade_no,
      notify_url: receiver.url,
      state: 'DELIVERED',
    });
    expect(n.attempts[0]).toMatchObject({
      attempt: 1,
      result: 'FAIL',
      http_status: 200,
      reply: FAIL_REPLY,
      scheduled_delay_seconds: 0,
    });
    expect(n.attempts[1]).toMatchObject({
      attempt: 2,
      result: 'SUCCESS',
      scheduled_delay_seconds: 15,
      scheduled_delay_ms: 15,
    });
    expect(Date.parse(n.attempts[1].at)).toBeGreaterThanOrEqual(Date.parse(n.attempts[0].at));
  });
});
