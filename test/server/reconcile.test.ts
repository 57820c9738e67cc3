import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { control, prepayIdOf } from './helpers/sandbox-control.js';
import {
  TestClock,
  call,
  dropDatabase,
  eventually,
  startFenServer,
  startSandbox,
  uniqueDatabaseUri,
} from './helpers/stack.js';
import type { Sandbox, ServerUnderTest } from './helpers/stack.js';

// The reconciliation job repairs what notifications missed, closes what expired, and two server
// instances running it never apply one change twice.
let sandbox: Sandbox;
let wechat: ReturnType<typeof control>;
const databaseUri = uniqueDatabaseUri();
const clock = new TestClock();
let one: ServerUnderTest;
let two: ServerUnderTest;
let token: string;

beforeAll(async () => {
  sandbox = await startSandbox(0.001);
  wechat = control(sandbox);
  // Two instances of the server on one database, as behind a load balancer.
  one = await startFenServer(sandbox, { databaseUri, clock });
  two = await startFenServer(sandbox, { databaseUri, clock });
  const { code } = await wechat.loginCode('reconcile-tester');
  token = (await call(`${one.url}/api/session`, { body: { code } })).body.token;
}, 30_000);

afterAll(async () => {
  await one?.close();
  await two?.close();
  await sandbox?.close();
  await dropDatabase(databaseUri);
});

async function newOrder(server = one) {
  const res = await call(`${server.url}/api/orders`, {
    token,
    body: { items: [{ productId: 'jasmine-tea', quantity: 1 }] },
  });
  expect(res.status).toBe(201);
  return res.body as { order: { id: string; outTradeNo: string }; payParams: { package: string } };
}

const stored = (id: string) => one.running.runtime.db.models.Order.findById(id).lean();

describe('reconciliation', () => {
  it('when the notification is dropped, then the job learns the payment with orderquery', async () => {
    await wechat.setFaults({ dropNotifications: true });
    try {
      const { order, payParams } = await newOrder();
      await wechat.pay(prepayIdOf(payParams));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await stored(order.id))?.status).toBe('PENDING');
      const report = await one.running.runReconcileOnce();
      expect(report).toMatchObject({ ran: true, errors: 0 });
      expect(report.paid).toBeGreaterThanOrEqual(1);
      const paid = await stored(order.id);
      expect(paid?.status).toBe('PAID');
      expect(paid?.paidBy).toMatch(/^QUERY:/);
    } finally {
      await wechat.clearFaults();
    }
  });

  it('when an unpaid order expires, then it is closed at WeChat first, then CLOSED here', async () => {
    const { order } = await newOrder();
    clock.advance(31 * 60_000);
    try {
      await one.running.runReconcileOnce();
    } finally {
      clock.advance(-31 * 60_000);
    }
    const closed = await stored(order.id);
    expect(closed?.status).toBe('CLOSED');
    expect(closed?.timeline.map((e) => e.kind)).not.toContain('CLOSE_REFUSED');
    const atWeChat = await call(`${sandbox.url}/__sandbox/orders?out_trade_no=${order.outTradeNo}`);
    expect(atWeChat.body.orders[0]?.trade_state).toBe('CLOSED');
  });

  it('when an expired order was in fact paid (notification lost), then closeorder says ORDERPAID and it is PAID', async () => {
    await wechat.setFaults({ dropNotifications: true });
    try {
      const { order, payParams } = await newOrder();
      await wechat.pay(prepayIdOf(payParams));
      clock.advance(31 * 60_000);
      try {
        await one.running.runReconcileOnce();
      } finally {
        clock.advance(-31 * 60_000);
      }
      expect((await stored(order.id))?.status).toBe('PAID');
    } finally {
      await wechat.clearFaults();
    }
  });

  it('when two instances race for the same paid-but-PENDING orders (job and syncs at once), then each is PAID once', async () => {
    await wechat.setFaults({ dropNotifications: true });
    try {
      const orders = [];
      for (let i = 0; i < 4; i += 1) {
        const created = await newOrder(i % 2 === 0 ? one : two);
        await wechat.pay(prepayIdOf(created.payParams));
        orders.push(created.order);
      }
      // Paid at WeChat, unknown here: the race below is the only way the server learns of it.
      for (const o of orders) expect((await stored(o.id))?.status).toBe('PENDING');
      // As when the holder's lease has run out: either instance may take the job now.
      await one.running.runtime.db.models.Lease.deleteMany({});
      const syncs = orders.flatMap((o) =>
        [one, two, one, two].map((s) => call(`${s.url}/api/orders/${o.id}?sync=1`, { token })),
      );
      const [first, second, ...answers] = await Promise.all([
        one.running.runReconcileOnce(),
        two.running.runReconcileOnce(),
        ...syncs,
      ]);
      // Only one instance ran the job (the lease) — and it raced the syncs of both.
      expect([first, second].filter((r) => 'ran' in r && r.ran)).toHaveLength(1);
      for (const answer of answers as Array<Awaited<(typeof syncs)[number]>>) {
        expect(answer.status).toBe(200);
        expect(answer.body.order.status).toBe('PAID');
      }
      const models = one.running.runtime.db.models;
      for (const o of orders) {
        const paid = await stored(o.id);
        const atWeChat = sandbox.orders().find((w) => w.out_trade_no === o.outTradeNo);
        expect(paid?.status).toBe('PAID');
        expect(paid?.transactionId).toBe(atWeChat?.transaction_id);
        expect(paid?.paidBy).toBe(`QUERY:${atWeChat?.transaction_id}`);
        expect(paid?.timeline.filter((e) => e.kind === 'PAID')).toHaveLength(1);
        const claims = await models.Claim.find({ _id: `order-exit:${o.id}` }).lean();
        expect(claims).toHaveLength(1);
      }
    } finally {
      await wechat.clearFaults();
    }
  });

  it('when a client syncs a PENDING order after paying, then the server asks WeChat itself', async () => {
    await wechat.setFaults({ dropNotifications: true });
    try {
      const { order, payParams } = await newOrder();
      await wechat.pay(prepayIdOf(payParams));
      const plain = await call(`${one.url}/api/orders/${order.id}`, { token });
      expect(plain.body.order.status).toBe('PENDING');
      const synced = await call(`${two.url}/api/orders/${order.id}?sync=1`, { token });
      expect(synced.body.order.status).toBe('PAID');
    } finally {
      await wechat.clearFaults();
    }
  });
});

describe('the reconciliation timer', () => {
  it('when a notification is dropped, then the job started with the server repairs it by itself', async () => {
    // Its own database: the timer's passes must not race the tests above.
    const timed = await startFenServer(sandbox, {
      startJob: true,
      env: {
        RECONCILE_ENABLED: 'true',
        RECONCILE_INTERVAL_SECONDS: '1',
        RECONCILE_PENDING_AFTER_SECONDS: '0',
      },
    });
    await wechat.setFaults({ dropNotifications: true });
    try {
      const { code } = await wechat.loginCode('reconcile-timer');
      const session = (await call(`${timed.url}/api/session`, { body: { code } })).body.token;
      const created = await call(`${timed.url}/api/orders`, {
        token: session,
        body: { items: [{ productId: 'jasmine-tea', quantity: 1 }] },
      });
      expect(created.status).toBe(201);
      const { order, payParams } = created.body;
      await wechat.pay(prepayIdOf(payParams));
      const models = timed.running.runtime.db.models;
      // Its log lines carry `job`: that is how to tell the job's work from a request's.
      const paidBy = () =>
        timed.logs.lines
          .map((line) => JSON.parse(line) as { msg?: string; job?: string; outTradeNo?: string })
          .filter((line) => line.msg === 'order paid' && line.outTradeNo === order.outTradeNo)
          .map((line) => line.job);
      // Nobody calls runReconcileOnce or syncs: only the timer can move it.
      const paid = await eventually(
        async () => {
          const current = await models.Order.findById(order.id).lean();
          return current?.status === 'PAID' && paidBy().length > 0 ? current : undefined;
        },
        8000,
        'the timer to mark the order PAID',
      );
      expect(paidBy()).toEqual(['reconcile']);
      expect(paid.paidBy).toMatch(/^QUERY:/);
      expect(paid.timeline.filter((e) => e.kind === 'PAID')).toHaveLength(1);
      expect(sandbox.notifications(order.outTradeNo)[0]?.state).not.toBe('DELIVERED');
    } finally {
      await wechat.clearFaults();
      await timed.close();
    }
  }, 15_000);
});
