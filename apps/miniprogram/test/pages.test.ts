import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { app, testConfig, useRuntime } from './support/app.js';
import type { AppConfig } from './support/app.js';
import { startFakeShop } from './support/fake-shop.js';
import type { FakeShop } from './support/fake-shop.js';
import { renderPage, tap, textOf, textsOf, until } from './support/pages.js';
import type { RenderedPage } from './support/pages.js';
import { installWx } from './support/wx-bridge.js';
import type { WxBridge } from './support/wx-bridge.js';

// The pages rendered by miniprogram-simulate from their compiled JS, WXML and JSON: render, tap,
// see the state change. Requests are real HTTP to a stand-in server (the e2e tests in
// test/miniprogram use the real one).
let shop: FakeShop;
let wx: WxBridge;
let page: RenderedPage | undefined;
const { SANDBOX_CASHIER_OUTCOMES } = app.platform();

beforeAll(async () => {
  shop = await startFakeShop();
});
afterAll(async () => {
  await shop.close();
});
beforeEach(() => {
  wx = installWx();
  shop.confirmAfterSyncs = 0;
  useRuntime(testConfig({ apiBaseUrl: shop.url, sandboxUrl: shop.url }));
});
afterEach(() => {
  page?.detach();
  page = undefined;
  wx.uninstall();
  app.runtime().setRuntime(undefined);
});

function payerChooses(outcome: (typeof SANDBOX_CASHIER_OUTCOMES)[number]) {
  wx.actionSheet = () => SANDBOX_CASHIER_OUTCOMES.indexOf(outcome);
}

/** A different buyer (a fresh session as another sandbox user). */
function actAs(user: string, overrides: Partial<AppConfig> = {}) {
  wx.storage.clear();
  const base = testConfig({ apiBaseUrl: shop.url, sandboxUrl: shop.url }, overrides);
  useRuntime({ ...base, sandbox: { ...base.sandbox, user } });
}

/** The page-state component (loading, empty, error) of a page. */
const pageState = (p: RenderedPage) => p.querySelector('.state')!;
const stateText = (p: RenderedPage) => textOf(pageState(p), '.page-state');
const ordersCreated = () =>
  shop.log.filter((e) => e.method === 'POST' && e.path === '/api/orders').length;

describe('the product list page', () => {
  it('when products load, then each shows with its price in yuan, and a tap opens its checkout', async () => {
    page = renderPage('products');
    await page.instance.onLoad();
    expect(page.data.status).toBe('ready');
    expect(textsOf(page, '.product__name')).toEqual(['Jasmine tea', 'Mooncake gift box']);
    expect(textsOf(page, '.product__price')).toEqual(['¥9.90', '¥128.00']);
    expect(stateText(page)).toBeUndefined();

    await tap(page, '.product');
    expect(wx.navigations).toEqual(['navigateTo /pages/checkout/index?id=jasmine-tea']);
  });

  it('when it is loading, then a loading state shows', async () => {
    page = renderPage('products');
    const loading = page.instance.onLoad();
    page.instance.setData({}); // flush the first render
    expect(textOf(pageState(page), '.page-state--loading')).toBe('Loading…');
    await loading;
  });

  it('when the catalogue is empty, then the empty state shows', async () => {
    const saved = shop.products;
    shop.products = [];
    try {
      page = renderPage('products');
      await page.instance.onLoad();
      expect(page.data.status).toBe('empty');
      expect(stateText(page)).toBe('Nothing for sale yet.');
    } finally {
      shop.products = saved;
    }
  });

  it('when loading fails, then the error shows with a retry that loads the list', async () => {
    shop.failNext('/api/products', 503, 'SERVICE_UNAVAILABLE');
    page = renderPage('products');
    await page.instance.onLoad();
    expect(textOf(pageState(page), '.page-state__message')).toMatch(
      /^injected SERVICE_UNAVAILABLE/,
    );

    await tap(pageState(page), '.page-state__retry');
    await until(() => page!.data.status === 'ready', 'the list after retry');
    expect(textsOf(page, '.product__name')).toHaveLength(2);
  });
});

describe('the checkout page', () => {
  async function openCheckout(productId = 'jasmine-tea') {
    page = renderPage('checkout');
    await page.instance.onLoad({ id: productId });
    return page;
  }

  it('when the quantity changes, then the total follows in yuan and stays within 1…99', async () => {
    const p = await openCheckout();
    expect(textOf(p, '.total__amount')).toBe('¥9.90');
    await tap(p, '.stepper__more');
    await tap(p, '.stepper__more');
    expect(textOf(p, '.stepper__value')).toBe('3');
    expect(textOf(p, '.total__amount')).toBe('¥29.70');
    expect(textOf(p, '.pay-button')).toBe('Pay ¥29.70');
    for (let i = 0; i < 5; i++) await tap(p, '.stepper__less');
    expect(p.data.quantity).toBe(1);
    p.instance.setQuantity(500);
    expect(p.data.quantity).toBe(99);
    expect(textOf(p, '.total__amount')).toBe('¥980.10');
  });

  it('when the payer pays, then the page shows confirming, then paid, and View order opens the detail', async () => {
    const p = await openCheckout();
    let whileCashierOpen: unknown;
    wx.actionSheet = () => {
      whileCashierOpen = { phase: p.data.payment.phase, button: textOf(p, '.pay-button') };
      return SANDBOX_CASHIER_OUTCOMES.indexOf('success');
    };
    await tap(p, '.stepper__more');
    await tap(p, '.pay-button');
    await until(() => p.data.payment.phase === 'paid', 'paid');
    expect(whileCashierOpen).toEqual({ phase: 'paying', button: 'Please wait…' });
    expect(textOf(p, '.payment__title')).toBe('Paid');
    expect(textOf(p, '.pay-button')).toBe('View order');
    const order = shop.orders().at(-1)!;
    expect(order).toMatchObject({ status: 'PAID', totalFen: 1980 });

    await tap(p, '.pay-button');
    expect(wx.navigations.at(-1)).toBe(`redirectTo /pages/order-detail/index?id=${order.id}`);
  });

  it('when Pay is tapped twice quickly, then only one order is created', async () => {
    payerChooses('success');
    const p = await openCheckout();
    const before = ordersCreated();
    // Both taps are queued before either runs, as two quick taps are.
    void tap(p, '.pay-button');
    await tap(p, '.pay-button');
    void p.instance.pay();
    await until(() => p.data.payment.phase === 'paid', 'paid');
    expect(ordersCreated() - before).toBe(1);
  });

  it('when the payer cancels, then the order is kept, the quantity is fixed, and Pay again pays the same order', async () => {
    payerChooses('cancel');
    const p = await openCheckout();
    await tap(p, '.pay-button');
    await until(() => p.data.payment.phase === 'cancelled', 'cancelled');
    expect(textOf(p, '.payment__title')).toBe('Payment cancelled');
    expect(textOf(p, '.pay-button')).toBe('Pay again');
    await tap(p, '.stepper__more');
    expect(p.data.quantity).toBe(1);
    const orderId = p.data.payment.orderId;
    const before = ordersCreated();

    payerChooses('success');
    await tap(p, '.pay-button');
    await until(() => p.data.payment.phase === 'paid', 'paid');
    expect(ordersCreated()).toBe(before);
    expect(p.data.payment.orderId).toBe(orderId);
  });

  it('when funds are insufficient, then the page says why and offers to pay again', async () => {
    payerChooses('insufficient_funds');
    const p = await openCheckout();
    await tap(p, '.pay-button');
    await until(() => p.data.payment.phase === 'failed', 'failed');
    expect(textOf(p, '.payment__title')).toBe('Payment failed');
    expect(textOf(p, '.payment__message')).toMatch(/insufficient funds/);
    expect(textOf(p, '.pay-button')).toBe('Pay again');
  });

  it('when loading the product fails, then the error shows with a retry that loads it', async () => {
    shop.failNext('/api/products', 503, 'SERVICE_UNAVAILABLE');
    const p = await openCheckout();
    expect(textOf(pageState(p), '.page-state__message')).toMatch(/^injected SERVICE_UNAVAILABLE/);
    await tap(pageState(p), '.page-state__retry');
    await until(() => p.data.status === 'ready', 'the checkout after retry');
    expect(textOf(p, '.total__amount')).toBe('¥9.90');
  });

  it('when the product is no longer sold, then the page says so', async () => {
    const p = await openCheckout('discontinued');
    expect(stateText(p)).toBe('This product is no longer sold.');
    expect(p.querySelector('.pay-button')).toBeUndefined();
  });
});

describe('the order list page', () => {
  it('when the buyer has orders, then each shows its status, total and time, newest first', async () => {
    actAs('list-buyer');
    const { api } = app.runtime().runtime();
    const first = await api.createOrder([{ productId: 'jasmine-tea', quantity: 1 }], 'key-list-1');
    await api.createOrder([{ productId: 'mooncake-box', quantity: 2 }], 'key-list-2');
    await api.cancelOrder(first.order.id);

    page = renderPage('orders');
    await page.instance.onShow();
    expect(textsOf(page, '.order__title')).toEqual(['Mooncake gift box ×2', 'Jasmine tea ×1']);
    expect(textsOf(page, '.order__status')).toEqual(['Awaiting payment', 'Closed']);
    expect(textsOf(page, '.order__total')).toEqual(['¥256.00', '¥9.90']);
    await tap(page, '.order');
    expect(wx.navigations.at(-1)).toMatch(/^navigateTo \/pages\/order-detail\/index\?id=order\d+$/);
  });

  it('when the buyer has no orders, then the empty state shows', async () => {
    actAs('no-orders-buyer');
    page = renderPage('orders');
    await page.instance.onShow();
    expect(stateText(page)).toBe('No orders yet.');
  });

  it('when the list is loading, then a loading state shows', async () => {
    actAs('slow-list-buyer');
    page = renderPage('orders');
    const loading = page.instance.onShow();
    page.instance.setData({}); // flush the first render
    expect(textOf(pageState(page), '.page-state--loading')).toBe('Loading…');
    await loading;
  });

  it('when loading the list fails, then the error shows with a retry that loads it', async () => {
    actAs('failing-list-buyer');
    await app
      .runtime()
      .runtime()
      .api.createOrder([{ productId: 'jasmine-tea', quantity: 1 }], 'key-list-failing');
    shop.failNext('/api/orders', 503, 'SERVICE_UNAVAILABLE');
    page = renderPage('orders');
    await page.instance.onShow();
    expect(textOf(pageState(page), '.page-state__message')).toMatch(
      /^injected SERVICE_UNAVAILABLE/,
    );
    await tap(pageState(page), '.page-state__retry');
    await until(() => page!.data.status === 'ready', 'the list after retry');
    expect(textsOf(page, '.order__status')).toEqual(['Awaiting payment']);
  });
});

describe('the order detail page', () => {
  async function pendingOrder(quantity = 1) {
    const { api } = app.runtime().runtime();
    return (
      await api.createOrder(
        [{ productId: 'jasmine-tea', quantity }],
        `key-detail-${Math.random().toString(36).slice(2)}`,
      )
    ).order;
  }
  async function openDetail(id: string) {
    page = renderPage('order-detail');
    await page.instance.onLoad({ id });
    return page;
  }

  it('when the order is PENDING and the payer pays, then the page turns to Paid with its timeline', async () => {
    const order = await pendingOrder(3);
    const p = await openDetail(order.id);
    expect(textOf(p, '.summary__status')).toBe('Awaiting payment');
    expect(textOf(p, '.summary__total')).toBe('¥29.70');
    expect(textOf(p, '.pay-button')).toBe('Pay ¥29.70');
    expect(textsOf(p, '.timeline__text')).toEqual(['Order placed, ¥29.70']);

    payerChooses('success');
    await tap(p, '.pay-button');
    await until(() => p.data.order?.status === 'PAID', 'PAID');
    expect(textOf(p, '.summary__status')).toBe('Paid');
    expect(p.querySelector('.pay-button')).toBeUndefined();
    expect(textsOf(p, '.timeline__text')).toEqual(['Order placed, ¥29.70', 'Payment confirmed']);
  });

  it('when the buyer cancels and confirms, then the order is Closed and cannot be paid', async () => {
    const order = await pendingOrder();
    const p = await openDetail(order.id);
    wx.modal = () => true;
    await tap(p, '.cancel-button');
    await until(() => p.data.order?.status === 'CLOSED', 'CLOSED');
    expect(textOf(p, '.summary__status')).toBe('Closed');
    expect(p.querySelector('.cancel-button')).toBeUndefined();
  });

  it('when the buyer backs out of cancelling, then nothing changes', async () => {
    const order = await pendingOrder();
    const p = await openDetail(order.id);
    wx.modal = () => false;
    await p.instance.cancel();
    expect(p.data.order?.status).toBe('PENDING');
    expect(shop.log.some((e) => e.path === `/api/orders/${order.id}/cancel`)).toBe(false);
  });

  it('when the payment is not confirmed in time, then the page says still confirming and offers Check again', async () => {
    actAs('slow-buyer', { payment: { pollIntervalMs: 20, confirmTimeoutMs: 100 } });
    const order = await pendingOrder();
    const p = await openDetail(order.id);
    shop.confirmAfterSyncs = Number.POSITIVE_INFINITY;
    payerChooses('success');
    await tap(p, '.pay-button');
    await until(() => p.data.payment.phase === 'unconfirmed', 'unconfirmed');
    expect(textOf(p, '.payment__title')).toBe('Still confirming');
    expect(textOf(p, '.pay-button')).toBe('Check again');

    shop.confirmAfterSyncs = 0;
    await tap(p, '.pay-button');
    await until(() => p.data.order?.status === 'PAID', 'PAID after checking again');
  });

  it('when the order does not exist, then the page says so', async () => {
    const p = await openDetail('order-that-never-was');
    expect(stateText(p)).toBe('This order does not exist.');
  });

  it('when loading the order fails, then the error shows with a retry that loads it', async () => {
    const order = await pendingOrder();
    shop.failNext(`/api/orders/${order.id}`, 503, 'SERVICE_UNAVAILABLE');
    const p = await openDetail(order.id);
    expect(textOf(pageState(p), '.page-state__message')).toMatch(/^injected SERVICE_UNAVAILABLE/);
    await tap(pageState(p), '.page-state__retry');
    await until(() => p.data.order?.id === order.id, 'the order after retry');
    expect(textOf(p, '.summary__status')).toBe('Awaiting payment');
  });
});
