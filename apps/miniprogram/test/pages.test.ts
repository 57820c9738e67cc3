import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { app, launchApp, testConfig, useRuntime } from './support/app.js';
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

describe("the order detail page's shipping (发货信息)", () => {
  const EXPRESS = {
    expressCompany: 'SF',
    expressCompanyName: '顺丰速运',
    trackingNo: 'SF1234567890',
    itemDesc: '茉莉花茶 ×1',
  };

  /** A paid order of this buyer, shipped (or in `state`) by express. */
  async function shippedOrder(
    state: 'UNSHIPPED' | 'SHIPPED' | 'CONFIRMED' | 'SETTLED' = 'SHIPPED',
  ) {
    const { api, platform } = app.runtime().runtime();
    const { order, payParams } = await api.createOrder(
      [{ productId: 'jasmine-tea', quantity: 1 }],
      `key-ship-${Math.random().toString(36).slice(2)}`,
    );
    payerChooses('success');
    await platform.requestPayment(payParams, order.totalFen);
    shop.setFulfilment(order.id, {
      state,
      ...(state === 'UNSHIPPED'
        ? {}
        : {
            logisticsType: 'express',
            parcels: [EXPRESS],
            shippedAt: '2025-01-02T05:04:00.000Z',
          }),
      ...(state === 'CONFIRMED' || state === 'SETTLED'
        ? { confirmedAt: '2025-01-03T16:30:00.000Z' }
        : {}),
      ...(state === 'SETTLED' ? { settledAt: '2025-01-03T16:31:00.000Z' } : {}),
    });
    return order;
  }
  async function openDetail(id: string) {
    page = renderPage('order-detail');
    await page.instance.onLoad({ id });
    page.instance.onShow(); // WeChat shows the page after loading it
    return page;
  }
  /** The same buyer in wechat mode: the session in storage is reused, no login needed. */
  function inWechatMode() {
    useRuntime(testConfig({ apiBaseUrl: shop.url, sandboxUrl: shop.url }, { mode: 'wechat' }));
  }
  const orderGets = (id: string) =>
    shop.log.filter((e) => e.method === 'GET' && e.path === `/api/orders/${id}`).length;

  it('when the order is not paid, then there is no shipping card', async () => {
    const { api } = app.runtime().runtime();
    const { order } = await api.createOrder(
      [{ productId: 'jasmine-tea', quantity: 1 }],
      'key-unpaid-ship',
    );
    const p = await openDetail(order.id);
    expect(p.querySelector('.shipping')).toBeUndefined();
  });

  it('when shipped, then the card shows 已发货, the company, the tracking number, the time and 确认收货', async () => {
    const order = await shippedOrder();
    const p = await openDetail(order.id);
    expect(textOf(p, '.shipping__state')).toBe('已发货');
    expect(textOf(p, '.shipping__logistics')).toBe('快递配送');
    expect(textsOf(p, '.parcel__company')).toEqual(['顺丰速运']);
    expect(textsOf(p, '.parcel__tracking')).toEqual(['SF1234567890']);
    expect(textsOf(p, '.parcel__items')).toEqual(['茉莉花茶 ×1']);
    expect(textOf(p, '.shipping__shipped')).toBe('2025-01-02 13:04');
    expect(textOf(p, '.confirm-receipt-button')).toBe('确认收货');
  });

  it.each([
    ['UNSHIPPED', '待发货'],
    ['CONFIRMED', '已确认收货'],
    ['SETTLED', '已完成'],
  ] as const)('when %s, then it reads %s and there is no 确认收货 button', async (state, text) => {
    const order = await shippedOrder(state);
    const p = await openDetail(order.id);
    expect(textOf(p, '.shipping__state')).toBe(text);
    expect(p.querySelector('.confirm-receipt-button')).toBeUndefined();
    if (state === 'SETTLED') {
      expect(textOf(p, '.shipping__confirmed')).toBe('2025-01-04 00:30');
      expect(textOf(p, '.shipping__settled')).toBe('2025-01-04 00:31');
    }
  });

  it('when the tracking number is tapped to copy, then the clipboard holds it and a toast says 已复制', async () => {
    const order = await shippedOrder();
    const p = await openDetail(order.id);
    await tap(p, '.parcel__copy');
    await until(() => wx.toasts.length > 0, 'the toast');
    expect(wx.clipboard).toBe('SF1234567890');
    expect(wx.toasts).toEqual([{ title: '已复制', icon: 'success' }]);
  });

  it("when the shopper confirms in WeChat's component, then the order is reloaded (plain GET) and shows 已确认收货", async () => {
    const order = await shippedOrder();
    inWechatMode();
    const p = await openDetail(order.id);
    const { transactionId } = shop.orders().find((o) => o.id === order.id)!;
    wx.businessView = async () => {
      // WeChat records the confirmation; the server hears of it (its push or get_order).
      shop.setFulfilment(order.id, {
        ...shop.orders().find((o) => o.id === order.id)!.fulfilment!,
        state: 'CONFIRMED',
        confirmedAt: '2025-01-03T16:30:00.000Z',
      });
      return { extraData: { status: 'success' } };
    };
    const before = orderGets(order.id);
    await tap(p, '.confirm-receipt-button');
    p.instance.onShow(); // back from the component
    await until(() => wx.toasts.length > 0, 'the toast');

    const { success, fail, ...passed } = wx.businessViews[0]!;
    expect([typeof success, typeof fail]).toEqual(['function', 'function']);
    expect(passed).toEqual({
      businessType: 'weappOrderConfirm',
      extraData: { transaction_id: transactionId },
    });
    expect(wx.toasts).toEqual([{ title: '确认收货成功', icon: 'success' }]);
    expect(orderGets(order.id)).toBe(before + 1);
    const reload = shop.log.filter((e) => e.path === `/api/orders/${order.id}`).at(-1)!;
    expect(reload.method).toBe('GET');
    expect(wx.requests.at(-1)!.url).toBe(`${shop.url}/api/orders/${order.id}`);
    expect(textOf(p, '.shipping__state')).toBe('已确认收货');
    expect(textOf(p, '.shipping__confirmed')).toBe('2025-01-04 00:30');
    expect(p.querySelector('.confirm-receipt-button')).toBeUndefined();
  });

  it.each([
    ['cancel', { status: 'cancel' }, '已取消', ''],
    [
      'fail',
      { status: 'fail', errormsg: '获取用户订单失败' },
      '确认收货失败',
      '确认收货未完成：获取用户订单失败',
    ],
  ] as const)(
    'when the component answers %s, then the order is still reloaded and the page says so',
    async (_, extraData, toast, notice) => {
      const order = await shippedOrder();
      inWechatMode();
      const p = await openDetail(order.id);
      wx.businessView = async () => ({ extraData });
      const before = orderGets(order.id);
      await tap(p, '.confirm-receipt-button');
      await until(() => wx.toasts.length > 0, 'the toast');
      expect(wx.toasts.map((t) => t.title)).toEqual([toast]);
      expect(orderGets(order.id)).toBe(before + 1);
      expect(textOf(p, '.shipping__state')).toBe('已发货');
      expect(textOf(p, '.detail-notice')).toBe(notice || undefined);
      expect(textOf(p, '.confirm-receipt-button')).toBe('确认收货');
    },
  );

  it("when the status comes back only through the App's onShow, then the page reloads once on its onShow", async () => {
    const order = await shippedOrder();
    inWechatMode();
    const launched = launchApp();
    const p = await openDetail(order.id);
    let opened!: () => void;
    // The component opens, and its success callback says nothing about the outcome.
    wx.businessView = () => new Promise((resolve) => (opened = () => resolve({})));
    const before = orderGets(order.id);
    await tap(p, '.confirm-receipt-button');
    opened();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(orderGets(order.id)).toBe(before);

    launched.onShow!({
      referrerInfo: {
        appId: app.receiptReturn().RECEIPT_COMPONENT_APPID,
        extraData: { status: 'cancel' },
      },
    });
    p.instance.onShow();
    await until(() => wx.toasts.length > 0, 'the toast');
    expect(wx.toasts.map((t) => t.title)).toEqual(['已取消']);
    p.instance.onShow();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(orderGets(order.id)).toBe(before + 1);
  });

  it('when this WeChat cannot open the component, then a modal asks to update WeChat and nothing is reloaded', async () => {
    const order = await shippedOrder();
    inWechatMode();
    const p = await openDetail(order.id);
    wx.canIUse = (schema) => schema !== 'openBusinessView';
    const before = orderGets(order.id);
    await tap(p, '.confirm-receipt-button');
    await until(() => wx.modals.length > 0, 'the modal');
    expect(wx.modals[0]!.title).toBe('无法确认收货');
    expect(wx.modals[0]!.content).toMatch(/升级到最新版微信/);
    expect(wx.businessViews).toHaveLength(0);
    expect(orderGets(order.id)).toBe(before);
  });

  it('when confirming in sandbox mode, then the stand-in confirms for the test user and the page shows 已确认收货', async () => {
    const order = await shippedOrder();
    const p = await openDetail(order.id);
    wx.actionSheet = () => 0;
    await tap(p, '.confirm-receipt-button');
    await until(() => wx.toasts.length > 0, 'the toast');
    expect(wx.toasts.map((t) => t.title)).toEqual(['确认收货成功']);
    expect(shop.receiptConfirmations.at(-1)).toMatchObject({ user: 'devtools-buyer' });
    expect(textOf(p, '.shipping__state')).toBe('已确认收货');
  });
});
