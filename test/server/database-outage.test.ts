import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDedicatedFerret } from './helpers/ferret.js';
import type { DedicatedFerret } from './helpers/ferret.js';
import {
  isSuccessReply,
  postNotification,
  signedPaymentNotification,
} from './helpers/notifications.js';
import { control, prepayIdOf } from './helpers/sandbox-control.js';
import { call, eventually, startFenServer, startSandbox } from './helpers/stack.js';
import type { Sandbox, ServerUnderTest } from './helpers/stack.js';

// The database goes away while WeChat is notifying: the server must answer FAIL (so WeChat
// retries) and leave nothing half-done; once the database is back, the retry completes it.
let ferret: DedicatedFerret;
let sandbox: Sandbox;
let server: ServerUnderTest;
let token: string;

beforeAll(async () => {
  ferret = await startDedicatedFerret();
  sandbox = await startSandbox(0.001);
  server = await startFenServer(sandbox, { databaseUri: ferret.uri });
  const { code } = await control(sandbox).loginCode('outage-tester');
  token = (await call(`${server.url}/api/session`, { body: { code } })).body.token;
}, 30_000);

afterAll(async () => {
  await server?.close().catch(() => undefined);
  await sandbox?.close();
  await ferret?.destroy();
}, 30_000);

describe('database outage during a notification', () => {
  it('when the database is down, then FAIL; when it is back, the sandbox retry makes the order PAID', async () => {
    const { order, payParams } = (
      await call(`${server.url}/api/orders`, {
        token,
        body: { items: [{ productId: 'jasmine-tea', quantity: 1 }] },
      })
    ).body;

    await ferret.stop();
    const direct = await postNotification(
      `${server.url}/wxpay/notify`,
      signedPaymentNotification(order),
    );
    expect(isSuccessReply(direct.text)).toBe(false);
    const health = await call(`${server.url}/healthz`);
    expect(health.status).toBe(503);

    // The payer pays while the database is down: WeChat's first delivery is refused (a FAIL
    // reply, or no reply in time while the driver still looks for the database). The database
    // comes back only once that refusal is on record, however slow this machine is.
    await control(sandbox).pay(prepayIdOf(payParams));
    const refused = await eventually(
      async () => {
        const [record] = await control(sandbox).notifications(order.outTradeNo);
        return record?.attempts.find((a: { result: string }) => a.result !== 'SUCCESS');
      },
      20_000,
      'a refused delivery while the database is down',
    );
    await ferret.start();

    const paid = await eventually(
      async () => {
        const res = await call(`${server.url}/api/orders/${order.id}`, { token });
        return res.body?.order?.status === 'PAID' ? res.body.order : undefined;
      },
      20_000,
      'PAID after the database came back',
    );
    expect(paid.transactionId).toBeDefined();
    expect(refused.reply ?? refused.error).toMatch(/FAIL|no reply/);
    // PAID shows a moment before the event's outcome is written: wait for the acknowledgement.
    await eventually(
      async () =>
        (await control(sandbox).notifications(order.outTradeNo))[0]?.attempts.some(
          (a: { result: string }) => a.result === 'SUCCESS',
        ) || undefined,
      20_000,
      'the retried delivery acknowledged',
    );
    const events = await server.running.runtime.db.models.PaymentEvent.find({
      outTradeNo: order.outTradeNo,
    }).lean();
    expect(events.filter((e) => e.outcome === 'APPLIED')).toHaveLength(1);
  }, 40_000);
});
