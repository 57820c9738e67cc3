import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  app,
  assertCompiled,
  launchApp,
  testConfig,
  useRuntime,
} from '@fen/miniprogram/test-support/app.js';
import type { Runtime } from '@fen/miniprogram/test-support/app.js';
import { renderPage, tap, textOf, textsOf, until } from '@fen/miniprogram/test-support/pages.js';
import type { RenderedPage } from '@fen/miniprogram/test-support/pages.js';
import { installWx } from '@fen/miniprogram/test-support/wx-bridge.js';
import type { WxBridge } from '@fen/miniprogram/test-support/wx-bridge.js';
import { useFenStack } from '../server/helpers/stack.js';

// The mini-program end to end: its compiled pages (as DevTools runs them, rendered by
// miniprogram-simulate) with wx.request bridged to real HTTP, against the real server, database
// and sandbox. The test plays the buyer: it taps, and chooses in the sandbox cashier.
const stack = useFenStack();
let wx: WxBridge;
let runtime: Runtime;
const pages: RenderedPage[] = [];
const { SANDBOX_CASHIER_OUTCOMES } = app.platform();

beforeAll(() => assertCompiled());

beforeEach(() => {
  wx = installWx();
  stack.sandbox.clearFaults();
  // A new buyer for every test: a fresh openid, no orders.
  const config = testConfig(
    { apiBaseUrl: stack.server.url, sandboxUrl: stack.sandbox.url },
    { payment: { pollIntervalMs: 50, confirmTimeoutMs: 5000 } },
  );
  const user = `e2e-buyer-${Math.random().toString(36).slice(2, 10)}`;
  runtime = useRuntime({ ...config, sandbox: { ...config.sandbox, user } });
});

afterEach(() => {
  for (const page of pages.splice(0)) page.detach();
  wx.uninstall();
  app.runtime().setRuntime(undefined);
});

function open(name: string): RenderedPage {
  const page = renderPage(name);
  pages.push(page);
  return page;
}

/** What the buyer taps in the sandbox cashier. */
function payerChooses(outcome: (typeof SANDBOX_CASHIER_OUTCOMES)[number]) {
  wx.actionSheet = () => SANDBOX_CASHIER_OUTCOMES.indexOf(outcome);
}

/** Launch → product list → tap the tea → its checkout, loaded. */
async function checkoutTea(): Promise<RenderedPage> {
  const list = open('products');
  await list.instance.onLoad();
  const tea = list
    .querySelectorAll('.product')
    .find((node) => node.dom?.textContent?.includes('Jasmine tea'));
  expect(tea).toBeDefined();
  tea!.dispatchEvent('tap');
  const target = await until(() => wx.navigations.at(-1), 'navigation to the checkout');
  const id = decodeURIComponent(/[?&]id=([^&]+)/.exec(target)![1]!);
  const checkout = open('checkout');
  await checkout.instance.onLoad({ id });
  return checkout;
}

async function openDetail(orderId: string): Promise<RenderedPage> {
  const detail = open('order-detail');
  await detail.instance.onLoad({ id: orderId });
  return detail;
}

const serverOrders = () => runtime.api.listOrders();
const sandboxOrder = (outTradeNo: string) =>
  stack.sandbox.orders().find((o) => o.out_trade_no === outTradeNo);

describe('the mini-program against the real stack', () => {
  it('when a buyer launches, browses, buys two teas and pays in the sandbox, then the detail page shows PAID', async () => {
    launchApp();
    await until(() => wx.storage.get('fen.session'), 'the login at launch');
    const user = runtime.session.user()!;
    expect(user.openid).toBe(stack.sandbox.loginCode(runtime.config.sandbox.user).openid);

    const checkout = await checkoutTea();
    expect(textOf(checkout, '.product__price')).toBe('¥9.90');
    await tap(checkout, '.stepper__more');
    expect(textOf(checkout, '.total__amount')).toBe('¥19.80');

    payerChooses('success');
    await tap(checkout, '.pay-button');
    await until(() => checkout.data.payment.phase === 'paid', 'the checkout to show paid', 10_000);
    expect(textOf(checkout, '.payment__title')).toBe('Paid');

    const [order] = await serverOrders();
    expect(order).toMatchObject({ status: 'PAID', totalFen: 1980 });
    expect(sandboxOrder(order!.outTradeNo)).toMatchObject({
      trade_state: 'SUCCESS',
      total_fee: 1980,
    });

    await tap(checkout, '.pay-button'); // View order
    expect(wx.navigations.at(-1)).toBe(`redirectTo /pages/order-detail/index?id=${order!.id}`);
    const detail = await openDetail(order!.id);
    expect(detail.data.order?.status).toBe('PAID');
    expect(textOf(detail, '.summary__status')).toBe('Paid');
    expect(textOf(detail, '.summary__total')).toBe('¥19.80');
    expect(textsOf(detail, '.item__name')).toEqual(['Jasmine tea ×2']);
    expect(textsOf(detail, '.item__subtotal')).toEqual(['¥19.80']);
    expect(detail.querySelector('.pay-button')).toBeUndefined();
    expect(textsOf(detail, '.timeline__text')).toEqual([
      'Order placed, ¥19.80',
      'Payment confirmed',
    ]);

    const list = open('orders');
    await list.instance.onShow();
    expect(textsOf(list, '.order__status')).toEqual(['Paid']);
  });

  it('when the buyer cancels in the cashier, then the order stays PENDING, and paying again pays that same order', async () => {
    const checkout = await checkoutTea();
    payerChooses('cancel');
    await tap(checkout, '.pay-button');
    await until(() => checkout.data.payment.phase === 'cancelled', 'cancelled', 10_000);
    expect(textOf(checkout, '.pay-button')).toBe('Pay again');
    const [pending] = await serverOrders();
    expect(pending).toMatchObject({ status: 'PENDING' });
    expect(sandboxOrder(pending!.outTradeNo)?.trade_state).toBe('NOTPAY');

    payerChooses('success');
    await tap(checkout, '.pay-button');
    await until(() => checkout.data.payment.phase === 'paid', 'paid after paying again', 10_000);
    const orders = await serverOrders();
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ id: pending!.id, status: 'PAID' });
  });

  it('when funds are insufficient, then the page says why, the order stays PENDING and can be paid from its page', async () => {
    const checkout = await checkoutTea();
    payerChooses('insufficient_funds');
    await tap(checkout, '.pay-button');
    await until(() => checkout.data.payment.phase === 'failed', 'failed', 10_000);
    expect(textOf(checkout, '.payment__message')).toMatch(/insufficient funds/);
    const [order] = await serverOrders();
    expect(order).toMatchObject({ status: 'PENDING' });
    expect(sandboxOrder(order!.outTradeNo)?.trade_state).toBe('NOTPAY');

    const detail = await openDetail(order!.id);
    expect(textOf(detail, '.summary__status')).toBe('Awaiting payment');
    payerChooses('success');
    await tap(detail, '.pay-button');
    await until(() => detail.data.order?.status === 'PAID', 'PAID on the detail page', 10_000);
    expect(textOf(detail, '.summary__status')).toBe('Paid');
  });

  it('when WeChat never delivers the notification, then the sync=1 poll repairs it and the page shows PAID', async () => {
    stack.sandbox.setFaults({ dropNotifications: true });
    const checkout = await checkoutTea();
    payerChooses('success');
    await tap(checkout, '.pay-button');
    await until(() => checkout.data.payment.phase === 'paid', 'paid through sync=1', 10_000);

    const [order] = await serverOrders();
    expect(order!.status).toBe('PAID');
    const notifications = stack.sandbox.notifications(order!.outTradeNo);
    expect(notifications.length).toBeGreaterThan(0);
    expect(notifications.every((n) => n.attempts.every((a) => a.result === 'DROPPED'))).toBe(true);
    expect(wx.requests.some((r) => r.url.endsWith(`/api/orders/${order!.id}?sync=1`))).toBe(true);

    const detail = await openDetail(order!.id);
    expect(textOf(detail, '.summary__status')).toBe('Paid');
  });

  it('when the buyer cancels a PENDING order on its page, then it is closed at WeChat and shows Closed', async () => {
    const checkout = await checkoutTea();
    payerChooses('cancel');
    await tap(checkout, '.pay-button');
    await until(() => checkout.data.payment.phase === 'cancelled', 'cancelled', 10_000);
    const [order] = await serverOrders();

    const detail = await openDetail(order!.id);
    wx.modal = () => true;
    await tap(detail, '.cancel-button');
    await until(() => detail.data.order?.status === 'CLOSED', 'CLOSED', 10_000);
    expect(textOf(detail, '.summary__status')).toBe('Closed');
    expect(sandboxOrder(order!.outTradeNo)?.trade_state).toBe('CLOSED');
  });

  it('when Pay is tapped twice at once, then the server gets one order', async () => {
    const checkout = await checkoutTea();
    payerChooses('success');
    void tap(checkout, '.pay-button');
    await tap(checkout, '.pay-button');
    await until(() => checkout.data.payment.phase === 'paid', 'paid', 10_000);
    expect(await serverOrders()).toHaveLength(1);
  });

  it('when the same purchase is sent twice with one Idempotency-Key, then the server answers the same order', async () => {
    const items = [{ productId: 'jasmine-tea', quantity: 1 }];
    const first = await runtime.api.createOrder(items, 'e2e-same-key');
    const second = await runtime.api.createOrder(items, 'e2e-same-key');
    expect(second.order.id).toBe(first.order.id);
    expect(await serverOrders()).toHaveLength(1);
  });

  it('when the stored token is no longer accepted (401), then the app logs in again once and the page loads', async () => {
    await runtime.session.token();
    const stored = wx.storage.get('fen.session') as Record<string, unknown>;
    wx.storage.set('fen.session', { ...stored, token: 'revoked-token' });
    const list = open('orders');
    await list.instance.onShow();
    expect(list.data.status).toBe('empty');
    const calls = wx.requests.filter((r) => r.url.endsWith('/api/orders'));
    expect(calls.map((r) => r.headers.authorization)).toEqual([
      'Bearer revoked-token',
      `Bearer ${await runtime.session.token()}`,
    ]);
  });
});
