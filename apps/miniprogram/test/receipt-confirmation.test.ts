import type { Order } from '@fen/contracts';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { app, launchApp, testConfig, useRuntime } from './support/app.js';
import { startFakeShop } from './support/fake-shop.js';
import type { FakeShop } from './support/fake-shop.js';
import { installWx } from './support/wx-bridge.js';
import type { WxBridge } from './support/wx-bridge.js';

// 确认收货: WeChat's confirm-receipt component (wx.openBusinessView, played by the test) or the
// sandbox's stand-in, and how its answer reaches the order page exactly once.
let shop: FakeShop;
let wx: WxBridge;
const { RECEIPT_COMPONENT_APPID } = app.receiptReturn();
const TRANSACTION_ID = '4200000001202501010000000001';

beforeAll(async () => {
  shop = await startFakeShop();
});
afterAll(async () => {
  await shop.close();
});
beforeEach(() => {
  wx = installWx();
});
afterEach(() => {
  wx.uninstall();
  app.runtime().setRuntime(undefined);
  app.receiptReturn().takeReceiptReturn();
});

const platform = (mode: 'wechat' | 'sandbox') =>
  app
    .platform()
    .createPlatform(testConfig({ apiBaseUrl: shop.url, sandboxUrl: shop.url }, { mode }));

describe('the confirm-receipt component in wechat mode', () => {
  it('when opened, then wx.openBusinessView gets weappOrderConfirm and the transaction id', async () => {
    wx.businessView = async () => ({ extraData: { status: 'success' } });
    const result = await platform('wechat').confirmReceipt({ transaction_id: TRANSACTION_ID });
    expect(result).toEqual({ outcome: 'success' });
    expect(wx.businessViews).toHaveLength(1);
    const { success, fail, ...passed } = wx.businessViews[0]!;
    expect(typeof success).toBe('function');
    expect(typeof fail).toBe('function');
    expect(passed).toEqual({
      businessType: 'weappOrderConfirm',
      extraData: { transaction_id: TRANSACTION_ID },
    });
  });

  it.each([
    [{ status: 'success' }, { outcome: 'success' }],
    [{ status: 'cancel' }, { outcome: 'cancel' }],
    [
      { status: 'fail', errormsg: '获取用户订单失败' },
      { outcome: 'fail', reason: '获取用户订单失败' },
    ],
    [{ status: 'fail' }, { outcome: 'fail', reason: '确认收货失败' }],
    [undefined, { outcome: 'unknown' }],
    [{ status: 'something new' }, { outcome: 'unknown' }],
  ])('when success carries extraData %j, then the result is %j', async (extraData, expected) => {
    wx.businessView = async () => (extraData ? { extraData } : {});
    expect(await platform('wechat').confirmReceipt({ transaction_id: TRANSACTION_ID })).toEqual(
      expected,
    );
  });

  it('when the component cannot open, then the failure is reported with its reason', async () => {
    wx.businessView = () => Promise.reject(new Error('openBusinessView:fail invalid businessType'));
    expect(await platform('wechat').confirmReceipt({ transaction_id: TRANSACTION_ID })).toEqual({
      outcome: 'fail',
      reason: 'invalid businessType',
    });
  });

  it('when this WeChat has no openBusinessView, then it is unsupported and nothing is opened', async () => {
    const asked: string[] = [];
    wx.canIUse = (schema) => {
      asked.push(schema);
      return schema !== 'openBusinessView';
    };
    expect(await platform('wechat').confirmReceipt({ transaction_id: TRANSACTION_ID })).toEqual({
      outcome: 'unsupported',
    });
    expect(asked).toEqual(['openBusinessView']);
    expect(wx.businessViews).toHaveLength(0);
  });
});

describe('the confirm-receipt stand-in in sandbox mode', () => {
  it('when the developer confirms, then the sandbox confirms for the test user; dismissing is a cancel', async () => {
    const sheets: string[][] = [];
    wx.actionSheet = (items) => {
      sheets.push(items);
      return 0;
    };
    // The stand-in shop knows no such order for this buyer: the component's own failure.
    const result = await platform('sandbox').confirmReceipt({ transaction_id: TRANSACTION_ID });
    expect(result).toEqual({ outcome: 'fail', reason: '获取用户订单失败' });
    expect(sheets).toEqual([['确认收货（沙箱）', '取消']]);
    expect(shop.receiptConfirmations.at(-1)).toEqual({
      appid: 'wxfe00000000000001',
      user: 'devtools-buyer',
      transaction_id: TRANSACTION_ID,
    });

    const asked = shop.receiptConfirmations.length;
    wx.actionSheet = () => 'dismiss';
    expect(await platform('sandbox').confirmReceipt({ transaction_id: TRANSACTION_ID })).toEqual({
      outcome: 'cancel',
    });
    wx.actionSheet = () => 1;
    expect(await platform('sandbox').confirmReceipt({ transaction_id: TRANSACTION_ID })).toEqual({
      outcome: 'cancel',
    });
    expect(shop.receiptConfirmations).toHaveLength(asked);
  });
});

describe('one confirm-receipt round on a page', () => {
  const { ReceiptConfirmation } = app.receiptConfirmation();
  const order = { id: 'o1', transactionId: TRANSACTION_ID } as Order;

  /** A round whose component answers when the test says, with the App's onShow bridged. */
  function round() {
    let answer!: (result: { outcome: 'success' | 'cancel' | 'unknown' }) => void;
    const reported: unknown[] = [];
    const returns: unknown[] = [];
    const confirmation = new ReceiptConfirmation(
      {
        platform: {
          confirmReceipt: () => new Promise((resolve) => (answer = resolve)),
        } as never,
        takeReturn: () => returns.shift() as never,
      },
      (result) => reported.push(result),
    );
    return {
      confirmation,
      reported,
      returns,
      answer: (r: Parameters<typeof answer>[0]) => answer(r),
    };
  }
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

  it('when the open call says success and the page then shows, then it is reported once', async () => {
    const r = round();
    const started = r.confirmation.start(order);
    expect(r.confirmation.busy).toBe(true);
    r.answer({ outcome: 'success' });
    await started;
    r.confirmation.pageShown();
    expect(r.reported).toEqual([{ outcome: 'success' }]);
    expect(r.confirmation.busy).toBe(false);
  });

  it("when the App's onShow brought the status first, then that is reported, and the late callback is not", async () => {
    const r = round();
    const started = r.confirmation.start(order);
    r.returns.push({ outcome: 'cancel' });
    r.confirmation.pageShown();
    expect(r.reported).toEqual([{ outcome: 'cancel' }]);
    r.answer({ outcome: 'success' });
    await started;
    expect(r.reported).toEqual([{ outcome: 'cancel' }]);
  });

  it('when the open call says nothing, then the next onShow reports unknown (the server decides)', async () => {
    const r = round();
    const started = r.confirmation.start(order);
    r.answer({ outcome: 'unknown' });
    await started;
    expect(r.reported).toEqual([]);
    r.confirmation.pageShown();
    expect(r.reported).toEqual([{ outcome: 'unknown' }]);
  });

  it('when the page shows before a silent callback, then the callback reports unknown', async () => {
    const r = round();
    const started = r.confirmation.start(order);
    r.confirmation.pageShown();
    expect(r.reported).toEqual([]);
    r.answer({ outcome: 'unknown' });
    await started;
    expect(r.reported).toEqual([{ outcome: 'unknown' }]);
  });

  it('when tapped twice while open, then the component opens once; onShow with nothing open does nothing', async () => {
    const r = round();
    r.confirmation.pageShown();
    const first = r.confirmation.start(order);
    const second = r.confirmation.start(order);
    r.answer({ outcome: 'success' });
    await Promise.all([first, second, settle()]);
    expect(r.reported).toEqual([{ outcome: 'success' }]);
  });
});

describe("the App's onShow after the component", () => {
  it('when WeChat returns from the confirm component, then its status waits for the page, once', () => {
    useRuntime(testConfig({ apiBaseUrl: shop.url, sandboxUrl: shop.url }));
    const launched = launchApp();
    const { takeReceiptReturn } = app.receiptReturn();

    launched.onShow!({
      referrerInfo: { appId: 'wx0000000000000000', extraData: { status: 'success' } },
    });
    expect(takeReceiptReturn()).toBeUndefined();

    launched.onShow!({
      referrerInfo: {
        appId: RECEIPT_COMPONENT_APPID,
        extraData: { status: 'fail', errormsg: '获取用户订单失败', req_extradata: {} },
      },
    });
    expect(takeReceiptReturn()).toEqual({ outcome: 'fail', reason: '获取用户订单失败' });
    expect(takeReceiptReturn()).toBeUndefined();

    launched.onShow!({});
    expect(takeReceiptReturn()).toBeUndefined();
  });
});
