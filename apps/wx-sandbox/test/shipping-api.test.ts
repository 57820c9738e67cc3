import { afterEach, describe, expect, it } from 'vitest';
import type { ShippingOptions } from '../src/index.js';
import { cert, json, postPay, send } from './support/http.js';
import { createOrder, tradeNo } from './support/orders.js';
import { expressUpload, paidOrder, shippingOrder, shippingSandbox } from './support/shipping.js';
import { DEMO, signed } from './support/wire.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});
async function setup(shipping: ShippingOptions = {}) {
  const s = await shippingSandbox(shipping);
  open.push(s.sandbox);
  return s;
}

describe('shipping APIs: transport and access_token', () => {
  it('when the method, token or body is wrong, then WeChat’s errcode comes back with HTTP 200', async () => {
    const { sandbox, api, accessToken } = await setup();
    const path = `${sandbox.url}/wxa/sec/order/get_order`;
    expect((await json(`${path}?access_token=x`)).body.errcode).toBe(43002);
    expect((await json(path, {})).body.errcode).toBe(41001);
    expect((await json(`${path}?access_token=not-a-token`, {})).body.errcode).toBe(40001);
    const bad = await send(`${path}?access_token=${accessToken}`, { body: '{not json' });
    expect(bad.status).toBe(200);
    expect(JSON.parse(bad.text).errcode).toBe(47001);
    expect((await api('get_order', [])).errcode).toBe(47001);
    expect((await api('get_order', {})).errcode).toBe(47001);
  });

  it('when the path has an injected systemError, then it answers -1 and changes nothing', async () => {
    const { sandbox, api } = await setup();
    const paid = await paidOrder(sandbox);
    sandbox.setFaults({ systemError: { paths: ['/wxa/sec/order/upload_shipping_info'] } });
    expect((await api('upload_shipping_info', expressUpload(sandbox, paid))).errcode).toBe(-1);
    expect((await shippingOrder(sandbox, paid)).order_state).toBe(1);
  });
});

describe('upload_shipping_info validation', () => {
  const cases: [string, (u: ReturnType<typeof expressUpload>) => object][] = [
    ['shipping_list sent as an object', (u) => ({ ...u, shipping_list: u.shipping_list[0] })],
    ['an empty shipping_list', (u) => ({ ...u, shipping_list: [] })],
    ['logistics_type 5', (u) => ({ ...u, logistics_type: 5 })],
    ['delivery_mode as a name', (u) => ({ ...u, delivery_mode: 'UNIFIED_DELIVERY' })],
    ['order_number_type 3', (u) => ({ ...u, order_key: { order_number_type: 3 } })],
    [
      'express without tracking_no',
      (u) => ({ ...u, shipping_list: [{ express_company: 'YTO', item_desc: 'x' }] }),
    ],
    [
      'a company name for express_company',
      (u) => ({
        ...u,
        shipping_list: [{ tracking_no: 'SF1', express_company: '顺丰速运', item_desc: 'x' }],
      }),
    ],
    [
      'SF without a contact',
      (u) => ({
        ...u,
        shipping_list: [{ tracking_no: 'SF1', express_company: 'SF', item_desc: 'x' }],
      }),
    ],
    [
      'SF with an unmasked phone',
      (u) => ({
        ...u,
        shipping_list: [
          {
            tracking_no: 'SF1',
            express_company: 'SF',
            item_desc: 'x',
            contact: { receiver_contact: '18912341234' },
          },
        ],
      }),
    ],
    [
      'item_desc over 120 characters',
      (u) => ({ ...u, shipping_list: [{ ...u.shipping_list[0], item_desc: '包'.repeat(121) }] }),
    ],
    [
      'split delivery of virtual goods',
      (u) => ({
        ...u,
        logistics_type: 3,
        delivery_mode: 2,
        is_all_delivered: true,
        shipping_list: [{ item_desc: 'x' }],
      }),
    ],
    ['split delivery without is_all_delivered', (u) => ({ ...u, delivery_mode: 2 })],
    [
      '16 parcels',
      (u) => ({
        ...u,
        delivery_mode: 2,
        is_all_delivered: true,
        shipping_list: Array(16).fill(u.shipping_list[0]),
      }),
    ],
    ['no payer', (u) => ({ ...u, payer: {} })],
  ];
  it.each(cases)(
    'when the body has %s, then 47001 and the order stays 待发货',
    async (_name, change) => {
      const { sandbox, api } = await setup();
      const paid = await paidOrder(sandbox);
      const reply = await api('upload_shipping_info', change(expressUpload(sandbox, paid)));
      expect(reply).toMatchObject({ errcode: 47001 });
      expect(reply.errmsg).toMatch(/^data format error/);
      expect((await shippingOrder(sandbox, paid)).order_state).toBe(1);
    },
  );

  it('when upload_time is not RFC 3339 with an offset, then 268485216', async () => {
    const { sandbox, api } = await setup();
    const paid = await paidOrder(sandbox);
    for (const upload_time of [
      '2024-10-25T15:25:10 08:00',
      '2024-10-25T15:25:10',
      '2024/10/25 15:25:10+08:00',
      1729840000,
    ]) {
      const reply = await api(
        'upload_shipping_info',
        expressUpload(sandbox, paid, { upload_time }),
      );
      expect(reply.errcode).toBe(268485216);
    }
  });

  it('when SF has a masked contact, or the goods are virtual without a tracking number, then the upload is accepted', async () => {
    const { sandbox, api } = await setup();
    const sf = await paidOrder(sandbox);
    const sfList = [
      {
        tracking_no: 'SF1440000000001',
        express_company: 'SF',
        item_desc: 'x',
        contact: { receiver_contact: '189****1234' },
      },
    ];
    expect(
      await api('upload_shipping_info', expressUpload(sandbox, sf, { shipping_list: sfList })),
    ).toMatchObject({ errcode: 0, errmsg: 'ok' });
    const virtual = await paidOrder(sandbox);
    expect(
      await api(
        'upload_shipping_info',
        expressUpload(sandbox, virtual, {
          logistics_type: 3,
          shipping_list: [{ item_desc: '会员月卡' }],
        }),
      ),
    ).toMatchObject({ errcode: 0 });
    expect((await shippingOrder(sandbox, virtual)).shipping).toMatchObject({
      logistics_type: 3,
      finish_shipping: true,
    });
  });
});

describe('upload_shipping_info: which orders', () => {
  it('when the order is unpaid, unknown, or just paid (not ingested yet), then 10060001 支付单不存在', async () => {
    const { sandbox, api } = await setup({ ingestDelaySeconds: 5 });
    const unpaid = await createOrder(sandbox);
    const byTradeNo = {
      order_key: {
        order_number_type: 1,
        mchid: DEMO.mchId,
        out_trade_no: unpaid.fields.out_trade_no,
      },
    };
    const paid = await paidOrder(sandbox);
    const reply = await api('upload_shipping_info', expressUpload(sandbox, paid, byTradeNo));
    expect(reply.errcode).toBe(10060001);
    expect(reply.errmsg).toMatch(/^支付单不存在/);
    const unknown = {
      order_key: { order_number_type: 2, transaction_id: '4200000000202601010000000000' },
    };
    expect((await api('upload_shipping_info', expressUpload(sandbox, paid, unknown))).errcode).toBe(
      10060001,
    );
    // Fired at once from the payment notification: not known yet.
    expect((await api('upload_shipping_info', expressUpload(sandbox, paid))).errcode).toBe(
      10060001,
    );
    sandbox.advanceClock(6);
    expect((await api('upload_shipping_info', expressUpload(sandbox, paid))).errcode).toBe(0);
  });

  it('when the order is named by mchid + out_trade_no but with another mchid, or the payer is not the user, then 10060001 / 10060031', async () => {
    const { sandbox, api } = await setup();
    const paid = await paidOrder(sandbox);
    const wrongMch = {
      order_key: {
        order_number_type: 1,
        mchid: '1900000999',
        out_trade_no: paid.fields.out_trade_no,
      },
    };
    expect(
      (await api('upload_shipping_info', expressUpload(sandbox, paid, wrongMch))).errcode,
    ).toBe(10060001);
    const other = sandbox.loginCode('bob', DEMO.appId).openid;
    const reply = await api(
      'upload_shipping_info',
      expressUpload(sandbox, paid, { payer: { openid: other } }),
    );
    expect(reply.errcode).toBe(10060031);
    const right = {
      order_key: {
        order_number_type: 1,
        mchid: DEMO.mchId,
        out_trade_no: paid.fields.out_trade_no,
      },
    };
    expect((await api('upload_shipping_info', expressUpload(sandbox, paid, right))).errcode).toBe(
      0,
    );
  });

  it('when the order was refunded in full, then get_order says 已退款 (5) and an upload gets 10060004', async () => {
    const { sandbox, api } = await setup();
    const paid = await paidOrder(sandbox);
    const { reply } = await postPay(
      `${sandbox.tlsUrl}/secapi/pay/refund`,
      signed({
        out_trade_no: paid.fields.out_trade_no!,
        out_refund_no: tradeNo('R'),
        total_fee: '1990',
        refund_fee: '1990',
      }),
      { cert: cert('apiclient_cert.pem'), key: cert('apiclient_key.pem') },
    );
    expect(reply.result_code).toBe('SUCCESS');
    const got = await api('get_order', { transaction_id: paid.transactionId });
    expect(got.order.order_state).toBe(5);
    const upload = await api('upload_shipping_info', expressUpload(sandbox, paid));
    expect(upload.errcode).toBe(10060004);
    expect(upload.errmsg).toMatch(/^支付单处于不可发货的状态/);
  });
});

describe('re-upload limits', () => {
  it('when shipped, then one re-ship is allowed (count 2), a third upload gets 10060003, an older upload_time 268485216', async () => {
    const { sandbox, api } = await setup();
    const paid = await paidOrder(sandbox);
    const first = expressUpload(sandbox, paid);
    expect((await api('upload_shipping_info', first)).errcode).toBe(0);
    expect(await shippingOrder(sandbox, paid)).toMatchObject({
      order_state: 2,
      shipping: { finish_shipping: true, finish_shipping_count: 1 },
    });
    const stale = await api('upload_shipping_info', { ...first });
    expect(stale.errcode).toBe(268485216);
    const reship = expressUpload(sandbox, paid, {
      shipping_list: [
        { tracking_no: 'ZT7300000000002', express_company: 'ZTO', item_desc: 'Fen 帆布包*1' },
      ],
    });
    expect((await api('upload_shipping_info', reship)).errcode).toBe(0);
    const after = await shippingOrder(sandbox, paid);
    expect(after).toMatchObject({
      order_state: 2,
      reship_used: true,
      shipping: {
        finish_shipping_count: 2,
        shipping_list: [{ tracking_no: 'ZT7300000000002', express_company: 'ZTO' }],
      },
    });
    const third = await api('upload_shipping_info', expressUpload(sandbox, paid));
    expect(third.errcode).toBe(10060003);
    expect(third.errmsg).toMatch(/^支付单已使用重新发货机会/);
    expect((await shippingOrder(sandbox, paid)).shipping.shipping_list[0].tracking_no).toBe(
      'ZT7300000000002',
    );
  });

  it('when split delivery goes in parts, then parcels add up until all are delivered, and a change of logistics type uses the re-ship', async () => {
    const { sandbox, api } = await setup();
    const paid = await paidOrder(sandbox);
    const part = (no: string, all: boolean) =>
      expressUpload(sandbox, paid, {
        delivery_mode: 2,
        is_all_delivered: all,
        shipping_list: [{ tracking_no: no, express_company: 'YTO', item_desc: `包裹${no}` }],
      });
    expect((await api('upload_shipping_info', part('YT1', false))).errcode).toBe(0);
    expect(await shippingOrder(sandbox, paid)).toMatchObject({
      order_state: 1,
      shipping: { finish_shipping: false, finish_shipping_count: 0 },
    });
    expect((await api('upload_shipping_info', part('YT2', true))).errcode).toBe(0);
    const done = await shippingOrder(sandbox, paid);
    expect(done).toMatchObject({
      order_state: 2,
      reship_used: false,
      shipping: { finish_shipping: true, finish_shipping_count: 1, delivery_mode: 2 },
    });
    expect(done.shipping.shipping_list.map((p: { tracking_no: string }) => p.tracking_no)).toEqual([
      'YT1',
      'YT2',
    ]);
    const selfPickup = expressUpload(sandbox, paid, {
      logistics_type: 4,
      shipping_list: [{ item_desc: '门店自提' }],
    });
    expect((await api('upload_shipping_info', selfPickup)).errcode).toBe(0);
    expect((await api('upload_shipping_info', expressUpload(sandbox, paid))).errcode).toBe(
      10060003,
    );
  });
});

describe('get_order and get_order_list', () => {
  it('when an order is asked for by either key, then WeChat’s fields come back', async () => {
    const { sandbox, api } = await setup();
    const paid = await paidOrder(sandbox);
    await api('upload_shipping_info', expressUpload(sandbox, paid));
    const byMerchant = await api('get_order', {
      merchant_id: DEMO.mchId,
      merchant_trade_no: paid.fields.out_trade_no,
    });
    const byId = await api('get_order', { transaction_id: paid.transactionId });
    expect(byMerchant).toEqual(byId);
    expect(byId).toMatchObject({
      errcode: 0,
      order: {
        transaction_id: paid.transactionId,
        merchant_id: DEMO.mchId,
        sub_merchant_id: '0',
        merchant_trade_no: paid.fields.out_trade_no,
        description: 'Fen 帆布包',
        paid_amount: 1990,
        openid: paid.fields.openid,
        order_state: 2,
        in_complaint: false,
        shipping: {
          delivery_mode: 1,
          logistics_type: 1,
          finish_shipping: true,
          finish_shipping_count: 1,
          goods_desc: 'Fen 帆布包*1',
          shipping_list: [
            { tracking_no: 'YT7300000000001', express_company: 'YTO', goods_desc: 'Fen 帆布包*1' },
          ],
        },
      },
    });
    const sandboxOrder = sandbox.orders().find((o) => o.out_trade_no === paid.fields.out_trade_no)!;
    expect(byId.order.pay_time).toBe(Math.floor(Date.parse(sandboxOrder.paid_at!) / 1000));
    expect(Number.isInteger(byId.order.shipping.shipping_list[0].upload_time)).toBe(true);
    expect(
      (await api('get_order', { transaction_id: '4200000000202601010000000000' })).errcode,
    ).toBe(10060001);
  });

  it('when listing, then it pages with last_index / has_more, filters by state, and refuses page_size over 100', async () => {
    const { sandbox, api } = await setup();
    const orders = [await paidOrder(sandbox), await paidOrder(sandbox), await paidOrder(sandbox)];
    await api('upload_shipping_info', expressUpload(sandbox, orders[1]!));
    const first = await api('get_order_list', { page_size: 2 });
    expect(first).toMatchObject({ errcode: 0, has_more: true });
    expect(first.order_list).toHaveLength(2);
    const second = await api('get_order_list', { page_size: 2, last_index: first.last_index });
    expect(second).toMatchObject({ errcode: 0, has_more: false });
    const ids = [...first.order_list, ...second.order_list].map(
      (o: { transaction_id: string }) => o.transaction_id,
    );
    expect(ids).toEqual(orders.map((o) => o.transactionId));
    const shipped = await api('get_order_list', { order_state: 2 });
    expect(shipped.order_list.map((o: { transaction_id: string }) => o.transaction_id)).toEqual([
      orders[1]!.transactionId,
    ]);
    const none = await api('get_order_list', { pay_time_range: { begin_time: 0, end_time: 1000 } });
    expect(none.order_list).toEqual([]);
    expect((await api('get_order_list', { page_size: 101 })).errcode).toBe(47001);
    expect((await api('get_order_list', { order_state: 7 })).errcode).toBe(47001);
  });
});

describe('notify_confirm_receive, set_msg_jump_path, is_trade_managed, get_delivery_list', () => {
  it('when the courier’s sign-off is reported, then only for a shipped express order, once, in seconds after shipping', async () => {
    const { sandbox, api } = await setup();
    const paid = await paidOrder(sandbox);
    const now = () => Math.floor(sandbox.now().getTime() / 1000);
    const notify = (received_time: number) =>
      api('notify_confirm_receive', { transaction_id: paid.transactionId, received_time });
    expect((await notify(now())).errcode).toBe(10060004);
    await api('upload_shipping_info', expressUpload(sandbox, paid));
    sandbox.advanceClock(3600);
    const millis = await notify(sandbox.now().getTime());
    expect(millis.errcode).toBe(10060029);
    expect(millis.errmsg).toMatch(/^签收时间不合理/);
    expect((await notify(now() - 7200)).errcode).toBe(10060029);
    expect((await notify(now() - 60)).errcode).toBe(0);
    expect((await notify(now())).errcode).toBe(10060004);
    expect((await shippingOrder(sandbox, paid)).received_time).toBe(now() - 60);
    const virtual = await paidOrder(sandbox);
    await api(
      'upload_shipping_info',
      expressUpload(sandbox, virtual, {
        logistics_type: 3,
        shipping_list: [{ item_desc: '兑换码' }],
      }),
    );
    sandbox.advanceClock(60);
    expect(
      (
        await api('notify_confirm_receive', {
          transaction_id: virtual.transactionId,
          received_time: now(),
        })
      ).errcode,
    ).toBe(10060004);
  });

  it('when the app asks about itself, then is_trade_managed answers; another appid is 48001; an unmanaged app may not ship', async () => {
    const { sandbox, api, token } = await setup({ unmanagedAppIds: ['wxfe00000000000002'] });
    expect(await api('is_trade_managed', { appid: DEMO.appId })).toMatchObject({
      errcode: 0,
      is_trade_managed: true,
    });
    expect(
      await api('is_trade_management_confirmation_completed', { appid: DEMO.appId }),
    ).toMatchObject({ errcode: 0, completed: true });
    expect((await api('is_trade_managed', { appid: 'wxfe00000000000002' })).errcode).toBe(48001);
    expect((await api('is_trade_managed', {})).errcode).toBe(47001);
    const oaToken = await token('wxfe00000000000002', '6a3e8b0d2c4f5a71829304b5c6d7e8f9');
    expect(await api('is_trade_managed', { appid: 'wxfe00000000000002' }, oaToken)).toMatchObject({
      is_trade_managed: false,
    });
    expect((await api('get_order', { transaction_id: 'x' }, oaToken)).errcode).toBe(48001);
    const paid = await paidOrder(sandbox);
    expect((await api('upload_shipping_info', expressUpload(sandbox, paid), oaToken)).errcode).toBe(
      48001,
    );
  });

  it('when the express companies are listed, then delivery_id codes come back; set_msg_jump_path takes a path', async () => {
    const { sandbox, api, accessToken } = await setup();
    const list = await json(
      `${sandbox.url}/cgi-bin/express/delivery/open_msg/get_delivery_list?access_token=${accessToken}`,
      {},
    );
    expect(list.body).toMatchObject({ errcode: 0, errmsg: 'ok' });
    expect(list.body.count).toBe(list.body.delivery_list.length);
    expect(list.body.delivery_list).toContainEqual({
      delivery_id: 'SF',
      delivery_name: '顺丰速运',
    });
    expect((await api('set_msg_jump_path', { path: 'pages/order/detail' })).errcode).toBe(0);
    expect((await api('set_msg_jump_path', {})).errcode).toBe(47001);
  });
});
