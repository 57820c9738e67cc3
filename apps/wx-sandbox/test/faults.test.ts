import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox } from '../src/index.js';
import type { Sandbox } from '../src/index.js';
import { SUCCESS_REPLY, eventually, json, postPay, startReceiver } from './support/http.js';
import type { Receiver } from './support/http.js';
import { createOrder, jsapiFields, tradeNo } from './support/orders.js';
import { DEMO, replySignOk, signed } from './support/wire.js';

let sandbox: Sandbox;
let receiver: Receiver;
const faults = (body: unknown) => json(`${sandbox.url}/__sandbox/faults`, body, 'PUT');

beforeAll(async () => {
  sandbox = await createSandbox({ timeScale: 0.001 });
  receiver = await startReceiver();
});
afterEach(async () => {
  await json(`${sandbox.url}/__sandbox/faults`, undefined, 'DELETE');
  receiver.hits.length = 0;
  receiver.respond = () => ({ body: SUCCESS_REPLY });
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

async function payOne(overrides: Record<string, string> = {}) {
  const { fields, reply } = await createOrder(sandbox, { notify_url: receiver.url, ...overrides });
  sandbox.pay(reply.prepay_id!);
  return fields.out_trade_no!;
}
const record = (outTradeNo: string) => sandbox.notifications(outTradeNo)[0]!;
/** Hits for one order (orders of earlier tests may still be retried into the same receiver). */
const hitsFor = (outTradeNo: string) =>
  receiver.hits.filter((h) => h.fields.out_trade_no === outTradeNo);

describe('fault injection', () => {
  it('when latency is set for a path prefix, then those requests are slower and others are not', async () => {
    expect((await faults({ latency: { '/pay/orderquery': 150 } })).status).toBe(200);
    const t0 = performance.now();
    await postPay(`${sandbox.url}/pay/orderquery`, signed({ out_trade_no: 'NOPE1' }));
    const slow = performance.now() - t0;
    const t1 = performance.now();
    await json(`${sandbox.url}/__sandbox/health`);
    const fast = performance.now() - t1;
    expect(slow).toBeGreaterThanOrEqual(145);
    expect(fast).toBeLessThan(100);
  });

  it('when SYSTEMERROR is injected on orderquery, then it answers result_code=FAIL SYSTEMERROR, signed, and other paths work', async () => {
    await faults({ systemError: { paths: ['/pay/orderquery'] } });
    const { fields } = await createOrder(sandbox);
    const { reply } = await postPay(
      `${sandbox.url}/pay/orderquery`,
      signed({ out_trade_no: fields.out_trade_no! }),
    );
    expect(reply).toMatchObject({
      return_code: 'SUCCESS',
      result_code: 'FAIL',
      err_code: 'SYSTEMERROR',
    });
    expect(replySignOk(reply)).toBe(true);
  });

  it('when systemError names a login path, then it answers errcode -1 and the code stays usable', async () => {
    await faults({ systemError: { paths: ['/sns/jscode2session'] } });
    const { code } = sandbox.loginCode('flaky');
    const url = `${sandbox.url}/sns/jscode2session?appid=${DEMO.appId}&secret=${DEMO.secret}&js_code=${code}&grant_type=authorization_code`;
    expect((await json(url)).body).toMatchObject({
      errcode: -1,
      errmsg: expect.stringMatching(/^system error/),
    });
    await json(`${sandbox.url}/__sandbox/faults`, undefined, 'DELETE');
    expect((await json(url)).body.openid).toBeDefined();
  });

  it('when SYSTEMERROR has a rate, then about that share of requests fail', async () => {
    await faults({ systemError: { paths: ['/pay/orderquery'], rate: 0.5 } });
    const replies = await Promise.all(
      Array.from({ length: 60 }, () =>
        postPay(`${sandbox.url}/pay/orderquery`, signed({ out_trade_no: 'NOPE2' })),
      ),
    );
    const errors = replies.filter((r) => r.reply.err_code === 'SYSTEMERROR').length;
    expect(errors).toBeGreaterThan(10);
    expect(errors).toBeLessThan(50);
  });

  it('when SYSTEMERROR comes after the work (after: true), then a retry of the unifiedorder finds the order made', async () => {
    await faults({ systemError: { paths: ['/pay/unifiedorder'], after: true } });
    const fields = jsapiFields(sandbox);
    expect((await postPay(`${sandbox.url}/pay/unifiedorder`, signed(fields))).reply.err_code).toBe(
      'SYSTEMERROR',
    );
    await json(`${sandbox.url}/__sandbox/faults`, undefined, 'DELETE');
    const retry = await postPay(`${sandbox.url}/pay/unifiedorder`, signed(fields));
    expect(retry.reply.result_code).toBe('SUCCESS');
    expect(sandbox.orders().filter((o) => o.out_trade_no === fields.out_trade_no)).toHaveLength(1);
  });

  it('when notifications are dropped for matching orders, then none arrives for them and others still do', async () => {
    await faults({ dropNotifications: { outTradeNoPrefix: 'DROP' } });
    const dropped = await payOne({ out_trade_no: tradeNo('DROP') });
    const delivered = await payOne();
    await eventually(
      () => (record(delivered).state === 'DELIVERED' ? true : undefined),
      3000,
      'delivery',
    );
    await eventually(
      () => (record(dropped).attempts.length >= 3 ? true : undefined),
      3000,
      'dropped attempts',
    );
    expect(hitsFor(delivered)).toHaveLength(1);
    expect(hitsFor(dropped)).toHaveLength(0);
    expect(record(dropped).attempts.every((a) => a.result === 'DROPPED')).toBe(true);
    expect(record(dropped).state).toBe('PENDING');
  });

  it('when dropNotifications is true, then every notification is dropped, until the fault is cleared', async () => {
    await faults({ dropNotifications: true });
    const outTradeNo = await payOne();
    await eventually(
      () => (record(outTradeNo).attempts.length >= 2 ? true : undefined),
      3000,
      'attempts',
    );
    expect(hitsFor(outTradeNo)).toHaveLength(0);
    await json(`${sandbox.url}/__sandbox/faults`, undefined, 'DELETE');
    await eventually(
      () => (record(outTradeNo).state === 'DELIVERED' ? true : undefined),
      3000,
      'delivery after clearing',
    );
    expect(hitsFor(outTradeNo)).toHaveLength(1);
  });

  it('when the first n attempts are dropped, then the (n+1)th is delivered on the schedule', async () => {
    await faults({ dropFirstAttempts: 2 });
    const outTradeNo = await payOne();
    await eventually(
      () => (record(outTradeNo).state === 'DELIVERED' ? true : undefined),
      3000,
      'delivery',
    );
    expect(record(outTradeNo).attempts.map((a) => [a.result, a.scheduled_delay_seconds])).toEqual([
      ['DROPPED', 0],
      ['DROPPED', 15],
      ['SUCCESS', 15],
    ]);
    expect(hitsFor(outTradeNo)).toHaveLength(1);
  });

  it('when duplicates are injected, then N extra copies arrive at the same time, each validly signed', async () => {
    await faults({ duplicateNotifications: { count: 4, concurrent: true } });
    let inFlight = 0;
    let maxInFlight = 0;
    receiver.respond = () => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => (inFlight -= 1), 50);
      return { body: SUCCESS_REPLY, delayMs: 50 };
    };
    const outTradeNo = await payOne();
    await eventually(
      () => (record(outTradeNo).state === 'DELIVERED' ? true : undefined),
      3000,
      'delivery',
    );
    expect(hitsFor(outTradeNo)).toHaveLength(5);
    expect(maxInFlight).toBeGreaterThanOrEqual(5);
    expect(hitsFor(outTradeNo).every((h) => replySignOk(h.fields))).toBe(true);
    expect(
      record(outTradeNo)
        .attempts.map((a) => a.copy)
        .sort(),
    ).toEqual([0, 1, 2, 3, 4]);
  });

  it('when sequential duplicates are injected, then the copies follow the original', async () => {
    await faults({ duplicateNotifications: { count: 2, concurrent: false } });
    const outTradeNo = await payOne();
    await eventually(() => (hitsFor(outTradeNo).length >= 3 ? true : undefined), 3000, 'copies');
    // The log records an attempt once its reply is in, a moment after the receiver saw it.
    await eventually(
      () => (record(outTradeNo).attempts.length >= 3 ? true : undefined),
      3000,
      'the copies on record',
    );
    expect(record(outTradeNo).attempts.map((a) => a.copy)).toEqual([0, 1, 2]);
  });

  it('when jitter is set, then notifications of several orders can arrive out of payment order', async () => {
    await faults({ notifyJitterMs: 200 });
    const paid: string[] = [];
    for (let i = 0; i < 8; i += 1) paid.push(await payOne());
    // (Orders of earlier tests may still be delivered: look only at these eight.)
    const arrivedOf = () =>
      receiver.hits.map((h) => h.fields.out_trade_no!).filter((no) => paid.includes(no));
    await eventually(() => (arrivedOf().length >= 8 ? true : undefined), 5000, 'all deliveries');
    const arrived = arrivedOf();
    expect(new Set(arrived)).toEqual(new Set(paid));
    expect(arrived).not.toEqual(paid); // 8! orders: the chance of the same order is negligible
  });

  it('when faults are malformed, then 400 lists every problem and the old faults stay', async () => {
    await faults({ dropFirstAttempts: 1 });
    const res = await faults({
      latency: { orderquery: -1 },
      systemError: { rate: 2 },
      bogus: true,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_FAULTS');
    expect(res.body.error.message).toMatch(/bogus/);
    expect(res.body.error.message).toMatch(/latency/);
    expect(res.body.error.message).toMatch(/systemError/);
    expect((await json(`${sandbox.url}/__sandbox/faults`)).body).toEqual({
      faults: { dropFirstAttempts: 1 },
    });
    expect((await json(`${sandbox.url}/__sandbox/faults`, undefined, 'DELETE')).body).toEqual({
      faults: {},
    });
  });
});
