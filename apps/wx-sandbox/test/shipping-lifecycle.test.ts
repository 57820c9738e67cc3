import { afterEach, describe, expect, it } from 'vitest';
import type { ShippingOptions } from '../src/index.js';
import { cert, eventually, json, postPay, send } from './support/http.js';
import { startMessageReceiver, sortedSha1 } from './support/message-receiver.js';
import type { MessageReceiver } from './support/message-receiver.js';
import { expressUpload, paidOrder, shippingOrder, shippingSandbox } from './support/shipping.js';
import { tradeNo } from './support/orders.js';
import { paidV3Order } from './support/v3-wire.js';
import { DEMO, signed } from './support/wire.js';

const TOKEN = 'fenPushToken2026';
const DAY = 86_400;

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});
async function setup(shipping: ShippingOptions = {}) {
  const s = await shippingSandbox(shipping);
  const receiver = await startMessageReceiver();
  open.push(s.sandbox, receiver);
  const set = await json(`${s.sandbox.url}/__sandbox/shipping/message-url`, {
    appid: DEMO.appId,
    url: receiver.url,
    token: TOKEN,
  });
  expect(set.status).toBe(200);
  return { ...s, receiver };
}

/** The pushes of `event` the receiver got, checked for WeChat's plain-mode signature. */
function received(receiver: MessageReceiver, event: string) {
  return receiver.hits
    .map((hit) => ({ hit, message: JSON.parse(hit.body) }))
    .filter(({ message }) => message.Event === event)
    .map(({ hit, message }) => {
      const q = hit.query;
      expect(q.get('signature')).toBe(sortedSha1(TOKEN, q.get('timestamp')!, q.get('nonce')!));
      return message;
    });
}

const until = <T>(check: () => T | undefined, what: string) => eventually(check, 3000, what);

describe('the shipping lifecycle', () => {
  it('when a paid order is shipped and the test user confirms receipt on the page, then it settles and both settlement pushes arrive signed', async () => {
    const { sandbox, api, receiver } = await setup();
    const paid = await paidOrder(sandbox);
    expect((await shippingOrder(sandbox, paid)).order_state).toBe(1);

    expect((await api('upload_shipping_info', expressUpload(sandbox, paid))).errcode).toBe(0);
    const shippedAt = Math.floor(sandbox.now().getTime() / 1000);
    const [atShipping] = await until(() => {
      const got = received(receiver, 'trade_manage_order_settlement');
      return got.length === 1 ? got : undefined;
    }, 'the push at shipping');
    expect(atShipping).toMatchObject({
      ToUserName: expect.stringMatching(/^gh_[0-9a-f]{12}$/),
      MsgType: 'event',
      transaction_id: paid.transactionId,
      merchant_id: DEMO.mchId,
      merchant_trade_no: paid.fields.out_trade_no,
    });
    expect(Math.abs(atShipping.shipped_time - shippedAt)).toBeLessThanOrEqual(1);
    expect(atShipping.estimated_settlement_time).toBe(atShipping.shipped_time + 10 * DAY);
    expect(atShipping.settlement_time).toBeUndefined();

    // The confirm-receipt page, as test user alice (the payer).
    const pageUrl = `${sandbox.url}/__sandbox/shipping/confirm-receipt?appid=${DEMO.appId}&user=alice&transaction_id=${paid.transactionId}`;
    const page = await send(pageUrl);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<html lang="zh-CN">');
    expect(page.text).toContain('已发货');
    expect(page.text).toContain('YT7300000000001');
    expect(page.text).toContain('id="fen-confirm-receipt"');
    const asBob = await send(pageUrl.replace('user=alice', 'user=bob'));
    expect(asBob.text).toContain('获取用户订单失败');

    const form = new URLSearchParams({
      appid: DEMO.appId,
      user: 'alice',
      transaction_id: paid.transactionId,
    });
    const confirmed = await send(`${sandbox.url}/__sandbox/shipping/confirm-receipt`, {
      body: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(confirmed.text).toContain('data-status="success"');
    expect(confirmed.text).toContain('已确认收货');

    const order = await shippingOrder(sandbox, paid);
    expect(order).toMatchObject({
      order_state: 4,
      order_state_name: '交易完成',
      confirm_receive_method: 2,
    });
    const got = await api('get_order', { transaction_id: paid.transactionId });
    expect(got.order.order_state).toBe(4);

    const atSettlement = await until(
      () => received(receiver, 'trade_manage_order_settlement')[1],
      'the settlement push',
    );
    expect(atSettlement).toMatchObject({
      transaction_id: paid.transactionId,
      confirm_receive_method: 2,
      shipped_time: atShipping.shipped_time,
    });
    expect(atSettlement.settlement_time).toBeGreaterThanOrEqual(atSettlement.confirm_receive_time);
    expect(atSettlement.estimated_settlement_time).toBeUndefined();

    const log = await json(
      `${sandbox.url}/__sandbox/shipping/messages?transaction_id=${paid.transactionId}`,
    );
    expect(log.body.messages.map((m: { state: string }) => m.state)).toEqual([
      'DELIVERED',
      'DELIVERED',
    ]);
    // Confirmed once: a second confirmation is cancelled (the order is no longer 已发货).
    const again = await json(`${sandbox.url}/__sandbox/shipping/confirm`, {
      user: 'alice',
      transaction_id: paid.transactionId,
    });
    expect(again.body.status).toBe('cancel');
  });

  it('when the confirm control route is used, then another user fails, an unshipped order cancels, the payer succeeds', async () => {
    const { sandbox, api } = await setup();
    const paid = await paidOrder(sandbox);
    const confirm = (body: object) => json(`${sandbox.url}/__sandbox/shipping/confirm`, body);
    const byKey = { merchant_id: DEMO.mchId, merchant_trade_no: paid.fields.out_trade_no };
    expect((await confirm({ user: 'alice', ...byKey })).body.status).toBe('cancel');
    await api('upload_shipping_info', expressUpload(sandbox, paid));
    expect((await confirm({ user: 'bob', ...byKey })).body).toMatchObject({
      status: 'fail',
      errormsg: '获取用户订单失败',
    });
    expect((await shippingOrder(sandbox, paid)).order_state).toBe(2);
    expect((await confirm({ openid: paid.fields.openid, ...byKey })).body).toMatchObject({
      status: 'success',
      order: { order_state: 4 },
    });
    expect((await confirm({ user: 'alice' })).status).toBe(400);
  });

  it('when settlement takes time after confirmation, then the order waits in 资金待结算 (6) on the sandbox clock', async () => {
    const { sandbox, api } = await setup({ settlementDelaySeconds: 3600 });
    const paid = await paidOrder(sandbox);
    await api('upload_shipping_info', expressUpload(sandbox, paid));
    await json(`${sandbox.url}/__sandbox/shipping/confirm`, {
      user: 'alice',
      transaction_id: paid.transactionId,
    });
    expect((await shippingOrder(sandbox, paid)).order_state).toBe(6);
    sandbox.advanceClock(3601);
    expect((await shippingOrder(sandbox, paid)).order_state).toBe(4);
  });
});

describe('APIv3 orders', () => {
  it('when an order paid through Pay APIv3 is shipped by mchid + out_trade_no and confirmed, then it settles the same way', async () => {
    const { sandbox, api, receiver } = await setup();
    const openid = sandbox.loginCode('carol').openid;
    const paid = await paidV3Order(sandbox, openid);
    const upload = {
      order_key: { order_number_type: 1, mchid: DEMO.mchId, out_trade_no: paid.outTradeNo },
      logistics_type: 2,
      delivery_mode: 1,
      shipping_list: [{ item_desc: '同城配送 Fen 帆布包' }],
      upload_time: new Date(sandbox.now().getTime() + 8 * 3600_000 + 1000)
        .toISOString()
        .replace('Z', '+08:00'),
      payer: { openid },
    };
    expect((await api('upload_shipping_info', upload)).errcode).toBe(0);
    const confirm = await json(`${sandbox.url}/__sandbox/shipping/confirm`, {
      user: 'carol',
      transaction_id: paid.transactionId,
    });
    expect(confirm.body).toMatchObject({
      status: 'success',
      order: { order_state: 4, merchant_trade_no: paid.outTradeNo },
    });
    const settled = await until(
      () => received(receiver, 'trade_manage_order_settlement')[1],
      'the settlement push',
    );
    expect(settled).toMatchObject({
      transaction_id: paid.transactionId,
      confirm_receive_method: 2,
    });
  });
});

describe('automatic confirmation on the sandbox clock', () => {
  it('when 10 days pass after an express shipment, then receipt is confirmed automatically (method 1) and settled, pushed without a request', async () => {
    const { sandbox, api, receiver } = await setup();
    const paid = await paidOrder(sandbox);
    await api('upload_shipping_info', expressUpload(sandbox, paid));
    sandbox.advanceClock(10 * DAY - 120);
    expect((await shippingOrder(sandbox, paid)).order_state).toBe(2);
    sandbox.advanceClock(121);
    // No request: the sandbox's own check of the clock confirms and pushes.
    const settled = await until(
      () => received(receiver, 'trade_manage_order_settlement')[1],
      'the settlement push',
    );
    expect(settled.confirm_receive_method).toBe(1);
    expect(settled.confirm_receive_time).toBe(settled.shipped_time + 10 * DAY);
    expect(await shippingOrder(sandbox, paid)).toMatchObject({
      order_state: 4,
      confirm_receive_method: 1,
    });
  });

  it('when the goods are virtual, then 2 days suffice; the days are configurable', async () => {
    const { sandbox, api } = await setup({ autoConfirmDays: { other: 1 } });
    const paid = await paidOrder(sandbox);
    await api(
      'upload_shipping_info',
      expressUpload(sandbox, paid, {
        logistics_type: 3,
        shipping_list: [{ item_desc: '会员月卡' }],
      }),
    );
    sandbox.advanceClock(DAY - 60);
    expect((await shippingOrder(sandbox, paid)).order_state).toBe(2);
    sandbox.advanceClock(61);
    expect((await shippingOrder(sandbox, paid)).order_state).toBe(4);
  });

  it('when an order is refunded in full while shipped, then it never auto-confirms', async () => {
    const { sandbox, api } = await setup();
    const paid = await paidOrder(sandbox);
    await api(
      'upload_shipping_info',
      expressUpload(sandbox, paid, {
        logistics_type: 2,
        shipping_list: [{ item_desc: '同城配送' }],
      }),
    );
    const order = sandbox.orders().find((o) => o.out_trade_no === paid.fields.out_trade_no)!;
    expect(order.trade_state).toBe('SUCCESS');
    await postPay(
      `${sandbox.tlsUrl}/secapi/pay/refund`,
      signed({
        out_trade_no: paid.fields.out_trade_no!,
        out_refund_no: tradeNo('R'),
        total_fee: '1990',
        refund_fee: '1990',
      }),
      { cert: cert('apiclient_cert.pem'), key: cert('apiclient_key.pem') },
    );
    sandbox.advanceClock(3 * DAY);
    const after = await shippingOrder(sandbox, paid);
    expect(after.order_state).toBe(5);
    expect(after.confirmed_at).toBeUndefined();
  });
});

describe('reminders', () => {
  it('when an app has payments but never shipped, then trade_manage_remind_access_api is pushed, again a day later', async () => {
    const { sandbox, receiver } = await setup();
    await paidOrder(sandbox);
    await until(
      () => received(receiver, 'trade_manage_remind_access_api')[0],
      'the first reminder',
    );
    sandbox.advanceClock(DAY);
    await until(
      () => received(receiver, 'trade_manage_remind_access_api')[1],
      'the daily reminder',
    );
  });

  it('when an app that has shipped leaves an order unshipped 48 h, then trade_manage_remind_shipping names it, once', async () => {
    const { sandbox, api, receiver } = await setup();
    const shipped = await paidOrder(sandbox);
    const waiting = await paidOrder(sandbox);
    await api('upload_shipping_info', expressUpload(sandbox, shipped));
    sandbox.advanceClock(47 * 3600);
    await json(`${sandbox.url}/__sandbox/shipping/orders`);
    expect(received(receiver, 'trade_manage_remind_shipping')).toEqual([]);
    sandbox.advanceClock(3600 + 1);
    const remind = await until(
      () => received(receiver, 'trade_manage_remind_shipping')[0],
      'the reminder',
    );
    expect(remind).toMatchObject({
      transaction_id: waiting.transactionId,
      merchant_trade_no: waiting.fields.out_trade_no,
    });
    sandbox.advanceClock(DAY);
    await json(`${sandbox.url}/__sandbox/shipping/orders`);
    expect(received(receiver, 'trade_manage_remind_shipping')).toHaveLength(1);
  });
});
