import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { app, testConfig, useRuntime } from './support/app.js';
import type { AppConfig } from './support/app.js';
import { startFakeShop } from './support/fake-shop.js';
import type { FakeShop } from './support/fake-shop.js';
import { installWx } from './support/wx-bridge.js';
import type { WxBridge } from './support/wx-bridge.js';

// The payment flow end to end inside the app: real HTTP to a stand-in server, the sandbox
// cashier (an action sheet the test taps) or the WeChat cashier (wx.requestPayment, played by
// the test), and the confirmation poll.
let shop: FakeShop;
let wx: WxBridge;
const { SANDBOX_CASHIER_OUTCOMES } = app.platform();
type PhaseLog = string[];

beforeAll(async () => {
  shop = await startFakeShop();
});
afterAll(async () => {
  await shop.close();
});
beforeEach(() => {
  wx = installWx();
  shop.confirmAfterSyncs = 0;
});
afterEach(() => {
  wx.uninstall();
  app.runtime().setRuntime(undefined);
});

/** The payer's choice in the sandbox cashier. */
function payerChooses(outcome: (typeof SANDBOX_CASHIER_OUTCOMES)[number] | 'dismiss') {
  wx.actionSheet = (items) => {
    expect(items).toHaveLength(SANDBOX_CASHIER_OUTCOMES.length);
    return outcome === 'dismiss' ? 'dismiss' : SANDBOX_CASHIER_OUTCOMES.indexOf(outcome);
  };
}

function newFlow(overrides: Partial<AppConfig> = {}) {
  const runtime = useRuntime(testConfig({ apiBaseUrl: shop.url, sandboxUrl: shop.url }, overrides));
  const phases: PhaseLog = [];
  const flow = runtime.createPaymentFlow((state) => phases.push(state.phase));
  return { flow, phases, runtime };
}

const tea = [{ productId: 'jasmine-tea', quantity: 2 }];
const ordersCreated = () =>
  shop.log.filter((e) => e.method === 'POST' && e.path === '/api/orders').length;

describe('paying in sandbox mode', () => {
  it('when the payer pays, then the flow confirms with the server (sync=1) and ends paid', async () => {
    payerChooses('success');
    const { flow, phases } = newFlow();
    const state = await flow.buy(tea, 'key-success');
    expect(phases).toEqual(['preparing', 'paying', 'confirming', 'paid']);
    expect(state).toMatchObject({ phase: 'paid', order: { status: 'PAID', totalFen: 1980 } });
    expect(
      shop.log.some((e) => e.path === `/api/orders/${state.phase === 'paid' && state.order.id}`),
    ).toBe(true);
  });

  it('when the cashier shows, then it names the amount from integer fen', async () => {
    let shown: string[] = [];
    wx.actionSheet = (items) => {
      shown = items;
      return 0;
    };
    await newFlow().flow.buy(tea, 'key-label');
    expect(shown[0]).toBe('Pay ¥19.80 (sandbox)');
  });

  it('when the payer cancels, then the order stays PENDING and paying again reuses it', async () => {
    payerChooses('cancel');
    const { flow } = newFlow();
    const cancelled = await flow.buy(tea, 'key-cancel');
    expect(cancelled).toMatchObject({ phase: 'cancelled', order: { status: 'PENDING' } });
    const created = ordersCreated();

    payerChooses('success');
    const order = app.paymentState().payableOrder(cancelled)!;
    const paid = await flow.pay(order);
    expect(paid).toMatchObject({ phase: 'paid', order: { id: order.id, status: 'PAID' } });
    expect(ordersCreated()).toBe(created);
    expect(shop.log.filter((e) => e.path === `/api/orders/${order.id}/pay`)).toHaveLength(1);
  });

  it('when the payer dismisses the cashier, then that counts as cancelled', async () => {
    payerChooses('dismiss');
    expect((await newFlow().flow.buy(tea, 'key-dismiss')).phase).toBe('cancelled');
  });

  it('when funds are insufficient, then the flow says why and the order can be paid again', async () => {
    payerChooses('insufficient_funds');
    const state = await newFlow().flow.buy(tea, 'key-funds');
    expect(state).toMatchObject({ phase: 'failed', order: { status: 'PENDING' } });
    expect(state.phase === 'failed' && state.reason).toMatch(/insufficient funds/);
    expect(app.paymentState().payableOrder(state)).toBeDefined();
  });

  it('when Pay is tapped twice at once, then one order is created and both taps see the same outcome', async () => {
    payerChooses('success');
    const { flow } = newFlow();
    const before = ordersCreated();
    const [a, b] = await Promise.all([flow.buy(tea, 'key-double'), flow.buy(tea, 'key-double')]);
    expect(ordersCreated() - before).toBe(1);
    expect(a).toBe(b);
    expect(a.phase).toBe('paid');
  });

  it('when the notification is late, then the flow keeps asking and ends paid once the server knows', async () => {
    shop.confirmAfterSyncs = 4;
    payerChooses('success');
    const { flow, phases } = newFlow();
    const state = await flow.buy(tea, 'key-late');
    expect(state.phase).toBe('paid');
    expect(phases.filter((p) => p === 'confirming').length).toBeGreaterThanOrEqual(4);
  });

  it('when the server never confirms within the bounded wait, then it shows "still confirming", and a recheck later ends paid', async () => {
    shop.confirmAfterSyncs = Number.POSITIVE_INFINITY;
    payerChooses('success');
    const { flow } = newFlow({ payment: { pollIntervalMs: 20, confirmTimeoutMs: 150 } });
    const started = Date.now();
    const state = await flow.buy(tea, 'key-never');
    expect(state.phase).toBe('unconfirmed');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(app.paymentView().paymentView(state)).toMatchObject({
      title: 'Still confirming',
      action: 'recheck',
    });

    shop.confirmAfterSyncs = 0;
    expect((await flow.recheck()).phase).toBe('paid');
  });

  it('when the order cannot be created, then the flow fails with the reason and a retry sends the same key', async () => {
    shop.failNext('/api/orders', 503, 'SERVICE_UNAVAILABLE');
    payerChooses('success');
    const { flow } = newFlow();
    const failed = await flow.buy(tea, 'key-retry');
    expect(failed.phase).toBe('failed');
    expect(failed.phase === 'failed' && failed.reason).toMatch(
      /^injected SERVICE_UNAVAILABLE \(ref req-\d+\)$/,
    );
    expect(failed).not.toHaveProperty('order');
    expect((await flow.buy(tea, 'key-retry')).phase).toBe('paid');
    const keys = wx.requests
      .filter((r) => r.method === 'POST' && r.url.endsWith('/api/orders'))
      .map((r) => r.headers['idempotency-key']);
    expect(keys.slice(-2)).toEqual(['key-retry', 'key-retry']);
  });

  it('when an order was paid elsewhere before paying again, then the flow shows it paid instead of failing', async () => {
    payerChooses('cancel');
    const { flow } = newFlow();
    const cancelled = await flow.buy(tea, 'key-elsewhere');
    const order = app.paymentState().payableOrder(cancelled)!;
    // The payer pays the same prepay in the sandbox, outside this flow.
    const prepay = `wx${order.id}`;
    await fetch(`${shop.url}/__sandbox/pay`, {
      method: 'POST',
      body: JSON.stringify({ prepay_id: prepay, outcome: 'success' }),
    });
    expect((await flow.pay(order)).phase).toBe('paid');
  });
});

describe('paying in wechat mode', () => {
  /** wx.login as WeChat would answer it (the code comes from the stand-in's login API). */
  function wechatUser(user: string) {
    wx.login = async () => {
      const res = await fetch(`${shop.url}/__sandbox/login-code`, {
        method: 'POST',
        body: JSON.stringify({ appid: 'wxfe00000000000001', user }),
      });
      return ((await res.json()) as { code: string }).code;
    };
  }

  it("when paying, then wx.requestPayment gets exactly the server's payParams, and success is still confirmed by the server", async () => {
    wechatUser('wechat-payer');
    // WeChat's cashier: the payer pays (here through the stand-in), then WeChat says ok.
    wx.requestPayment = async (params) => {
      await fetch(`${shop.url}/__sandbox/pay`, {
        method: 'POST',
        body: JSON.stringify({
          prepay_id: String(params.package).replace(/^prepay_id=/, ''),
          outcome: 'success',
        }),
      });
      return { errMsg: 'requestPayment:ok' };
    };
    const { flow, phases } = newFlow({ mode: 'wechat' });
    const state = await flow.buy(tea, 'key-wechat');
    expect(phases).toEqual(['preparing', 'paying', 'confirming', 'paid']);
    expect(state.phase).toBe('paid');

    const { success, fail, ...passed } = wx.payments.at(-1)!;
    expect(typeof success).toBe('function');
    expect(typeof fail).toBe('function');
    expect(passed).toStrictEqual({ ...shop.issuedPayParams.at(-1) });
    // No sandbox shortcut in wechat mode.
    expect(wx.requests.some((r) => r.url.includes('/__sandbox/'))).toBe(false);
  });

  it('when WeChat reports a cancel, then the order stays PENDING', async () => {
    wechatUser('wechat-canceller');
    wx.requestPayment = async () => ({ errMsg: 'requestPayment:fail cancel' });
    const state = await newFlow({ mode: 'wechat' }).flow.buy(tea, 'key-wechat-cancel');
    expect(state).toMatchObject({ phase: 'cancelled', order: { status: 'PENDING' } });
  });

  it('when WeChat reports a failure, then the reason from errMsg is shown', async () => {
    wechatUser('wechat-failer');
    wx.requestPayment = async () => ({ errMsg: 'requestPayment:fail 支付失败' });
    const state = await newFlow({ mode: 'wechat' }).flow.buy(tea, 'key-wechat-fail');
    expect(state).toMatchObject({ phase: 'failed', reason: 'Payment failed: 支付失败' });
  });
});
