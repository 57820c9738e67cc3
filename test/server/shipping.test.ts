import { createSandbox } from '@fen/wx-sandbox';
import type { SandboxOptions } from '@fen/wx-sandbox';
import { encryptMessagePush, messagePushSignature } from '@fen/wxpay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { control } from './helpers/sandbox-control.js';
import { DEMO, TestClock, call, eventually, startFenServer } from './helpers/stack.js';
import type { Sandbox, ServerUnderTest } from './helpers/stack.js';
import { loginAs, paidThroughSandbox, placeOrder } from './helpers/v3-flow.js';

// Shipping info (发货信息管理) end to end against the sandbox, on the API version of the run:
// an operator records shipping, the test user confirms receipt in WeChat's component, WeChat's
// settlement push reaches /wechat/message and settles the order, exactly once.

const TOKEN = 'fenshiptoken';
const AES_KEY = 'fenShippingMessagePushAesKey0123456789abcde'; // 43 characters
const admin = { token: DEMO.adminToken };

interface Stack {
  sandbox: Sandbox;
  server: ServerUnderTest;
  clock: TestClock;
}

/** A sandbox playing WeChat's shipping service and a Fen server whose message URL it knows. */
function useShippingStack(
  shipping: SandboxOptions['shipping'],
  push: { mode: 'plain' | 'safe'; format: 'json' | 'xml' } | undefined,
): Stack {
  const stack = {} as Stack;
  beforeAll(async () => {
    stack.sandbox = await createSandbox({ timeScale: 0.001, port: 0, tlsPort: 0, shipping });
    stack.clock = new TestClock();
    stack.server = await startFenServer(stack.sandbox, {
      // The sandbox's clock moves with this one: APIv3 signatures must follow it too.
      clock: stack.clock,
      wechatClock: stack.clock,
      env: {
        WX_MESSAGE_TOKEN: TOKEN,
        ...(push?.mode === 'safe' ? { WX_MESSAGE_MODE: 'safe', WX_MESSAGE_AES_KEY: AES_KEY } : {}),
      },
    });
    if (push) {
      const res = await call(`${stack.sandbox.url}/__sandbox/shipping/message-url`, {
        body: {
          appid: DEMO.appId,
          url: `${stack.server.url}/wechat/message`,
          token: TOKEN,
          mode: push.mode,
          format: push.format,
          ...(push.mode === 'safe' ? { encoding_aes_key: AES_KEY } : {}),
        },
      });
      expect(res.status).toBe(200);
    }
  }, 30_000);
  afterAll(async () => {
    await stack.server?.close();
    await stack.sandbox?.close();
  });
  return stack;
}

const ship = (s: Stack, orderId: string, body: unknown) =>
  call(`${s.server.url}/admin/orders/${orderId}/shipping`, { ...admin, body });
const adminOrder = async (s: Stack, orderId: string) =>
  (await call(`${s.server.url}/admin/orders/${orderId}`, admin)).body.order;
const atWeChat = async (s: Stack, transactionId: string) =>
  (
    await call(
      `${s.sandbox.url}/__sandbox/shipping/orders?appid=${DEMO.appId}&transaction_id=${transactionId}`,
    )
  ).body.orders[0];
const express = (trackingNo: string, expressCompany = 'YTO') => ({
  logisticsType: 'express',
  parcels: [{ expressCompany, trackingNo, itemDesc: '手冲咖啡 ×1' }],
});

/** Posts a message push as WeChat would in plain mode, signed with `token` at `timestamp`. */
async function push(s: Stack, event: object, options: { token?: string; timestamp?: number } = {}) {
  const timestamp = String(options.timestamp ?? Math.floor(s.clock.now().getTime() / 1000));
  const nonce = 'n0nce123';
  const signature = messagePushSignature(options.token ?? TOKEN, timestamp, nonce);
  const url = `${s.server.url}/wechat/message?signature=${signature}&timestamp=${timestamp}&nonce=${nonce}`;
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(event),
  });
  return { status: res.status, text: await res.text() };
}

function settlementEvent(order: { transactionId: string; outTradeNo: string }, at: number) {
  return {
    ToUserName: 'gh_000000000000',
    FromUserName: 'o-buyer',
    CreateTime: at,
    MsgType: 'event',
    Event: 'trade_manage_order_settlement',
    transaction_id: order.transactionId,
    merchant_id: DEMO.mchId,
    merchant_trade_no: order.outTradeNo,
    pay_time: at - 100,
    shipped_time: at - 50,
    confirm_receive_method: 2,
    confirm_receive_time: at - 10,
    settlement_time: at,
  };
}

describe('shipping info, plain JSON message pushes', () => {
  const s = useShippingStack(
    { ingestDelaySeconds: 0, settlementDelaySeconds: 3600 },
    {
      mode: 'plain',
      format: 'json',
    },
  );

  it('when an order is shipped, confirmed by the buyer and settled, then the shopper and the operator see each step, once', async () => {
    const buyer = await loginAs(s.server, s.sandbox, 'ship-buyer');
    const paid = await paidThroughSandbox(s.server, s.sandbox, buyer);
    expect(paid.fulfilment).toEqual({ state: 'UNSHIPPED' });

    const shipped = await ship(s, paid.id, express('YT1000001'));
    expect(shipped.status).toBe(200);
    expect(shipped.body.order.fulfilment).toMatchObject({
      state: 'SHIPPED',
      logisticsType: 'express',
      parcels: [{ expressCompany: 'YTO', expressCompanyName: '圆通速递', trackingNo: 'YT1000001' }],
    });
    expect(await atWeChat(s, paid.transactionId)).toMatchObject({
      order_state: 2,
      order_state_name: '已发货',
      shipping: { logistics_type: 1, shipping_list: [{ tracking_no: 'YT1000001' }] },
    });
    const mine = await call(`${s.server.url}/api/orders/${paid.id}`, { token: buyer });
    expect(mine.body.order.fulfilment).toMatchObject({
      state: 'SHIPPED',
      shippedAt: expect.any(String),
    });

    // WeChat's push at shipping is verified and acknowledged; it changes nothing.
    await eventually(
      async () =>
        (
          await call(
            `${s.sandbox.url}/__sandbox/shipping/messages?appid=${DEMO.appId}&transaction_id=${paid.transactionId}`,
          )
        ).body.messages.find((m: { state: string }) => m.state === 'DELIVERED'),
      5000,
      'the shipping push delivered',
    );

    const confirm = await call(`${s.sandbox.url}/__sandbox/shipping/confirm`, {
      body: { user: 'ship-buyer', transaction_id: paid.transactionId },
    });
    expect(confirm.body.status).toBe('success');
    // WeChat pushes at shipping and at settlement only: the operator reads the confirmation.
    const synced = await call(`${s.server.url}/admin/orders/${paid.id}/shipping/sync`, {
      ...admin,
      method: 'POST',
    });
    expect(synced.body.order.fulfilment).toMatchObject({
      state: 'CONFIRMED',
      confirmedAt: expect.any(String),
    });

    // Settlement comes an hour later on WeChat's clock, and so on Fen's.
    s.clock.advance(3601_000);
    await control(s.sandbox).advanceClock(3601);
    const settled = await eventually(
      async () => {
        const order = await adminOrder(s, paid.id);
        return order.fulfilment.state === 'SETTLED' ? order : undefined;
      },
      10_000,
      'SETTLED',
    );
    expect(settled.fulfilment).toMatchObject({
      settledAt: expect.any(String),
      parcels: [{ trackingNo: 'YT1000001' }],
    });
    expect((await atWeChat(s, paid.transactionId)).order_state).toBe(4);
    const shopper = await call(`${s.server.url}/api/orders/${paid.id}`, { token: buyer });
    expect(shopper.body.order.fulfilment.state).toBe('SETTLED');

    // The same event again, freshly signed (WeChat retries): acknowledged, applied once.
    const pushes = (
      await call(
        `${s.sandbox.url}/__sandbox/shipping/messages?appid=${DEMO.appId}&transaction_id=${paid.transactionId}&event=trade_manage_order_settlement`,
      )
    ).body.messages;
    const settlement = pushes.find(
      (m: { message: { settlement_time?: number } }) => m.message.settlement_time,
    );
    expect(settlement.state).toBe('DELIVERED');
    expect(await push(s, settlement.message)).toEqual({ status: 200, text: 'success' });
    const after = await adminOrder(s, paid.id);
    expect(after.timeline.filter((e: { kind: string }) => e.kind === 'SETTLED')).toHaveLength(1);
    expect(after.fulfilment).toEqual(settled.fulfilment);
  });

  it('when a push is forged or replayed, then it is refused and changes nothing', async () => {
    const buyer = await loginAs(s.server, s.sandbox, 'ship-forged');
    const paid = await paidThroughSandbox(s.server, s.sandbox, buyer);
    expect((await ship(s, paid.id, express('YT2000001'))).status).toBe(200);
    const now = Math.floor(s.clock.now().getTime() / 1000);
    const event = settlementEvent(paid, now);

    expect((await push(s, event, { token: 'notthetoken' })).status).toBe(401);
    // Correctly signed, but its timestamp is an hour old: a replay.
    expect((await push(s, event, { timestamp: now - 3600 })).status).toBe(401);
    const unsigned = await fetch(`${s.server.url}/wechat/message`, {
      method: 'POST',
      body: JSON.stringify(event),
    });
    expect(unsigned.status).toBe(401);
    const order = await adminOrder(s, paid.id);
    expect(order.fulfilment.state).toBe('SHIPPED');
    expect(order.timeline.map((e: { kind: string }) => e.kind)).not.toContain('SETTLED');

    // WeChat's URL check answers echostr only with a good signature.
    const nonce = 'abc';
    const signature = messagePushSignature(TOKEN, String(now), nonce);
    const check = await fetch(
      `${s.server.url}/wechat/message?signature=${signature}&timestamp=${now}&nonce=${nonce}&echostr=hello123`,
    );
    expect(await check.text()).toBe('hello123');
    const bad = await fetch(
      `${s.server.url}/wechat/message?signature=${'0'.repeat(40)}&timestamp=${now}&nonce=${nonce}&echostr=hello123`,
    );
    expect(bad.status).toBe(401);

    // Other events are acknowledged and ignored.
    expect(
      await push(s, { Event: 'trade_manage_remind_shipping', transaction_id: paid.transactionId }),
    ).toEqual({
      status: 200,
      text: 'success',
    });
    expect((await adminOrder(s, paid.id)).fulfilment.state).toBe('SHIPPED');
  });

  it('when the input is wrong or the order cannot be shipped, then nothing is stored and the reason is named', async () => {
    const buyer = await loginAs(s.server, s.sandbox, 'ship-refused');
    const { order: unpaid } = await placeOrder(s.server, buyer);
    const refused = await ship(s, unpaid.id, express('YT3000001'));
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/only a paid order can be shipped/);
    expect((await adminOrder(s, unpaid.id)).fulfilment).toBeUndefined();

    expect((await ship(s, '0123456789abcdef01234567', express('YT3000002'))).status).toBe(404);

    const paid = await paidThroughSandbox(s.server, s.sandbox, buyer);
    const noTracking = await ship(s, paid.id, {
      logisticsType: 'express',
      parcels: [{ expressCompany: 'YTO', itemDesc: '手冲咖啡' }],
    });
    expect(noTracking.status).toBe(400);
    expect(noTracking.body.error.message).toMatch(/express needs trackingNo/);
    const byName = await ship(s, paid.id, express('YT3000003', 'YUANTONG'));
    expect(byName.status).toBe(400);
    expect(byName.body.error.message).toMatch(/delivery ids/);
    const sfWithoutContact = await ship(s, paid.id, express('SF3000004', 'SF'));
    expect(sfWithoutContact.status).toBe(400);
    expect((await adminOrder(s, paid.id)).fulfilment).toEqual({ state: 'UNSHIPPED' });
    expect((await atWeChat(s, paid.transactionId)).order_state).toBe(1);

    // WeChat allows one change: the third upload is refused with its errcode, nothing changes.
    expect((await ship(s, paid.id, express('YT3000005'))).status).toBe(200);
    const changed = await ship(s, paid.id, {
      logisticsType: 'virtual',
      parcels: [{ itemDesc: '电子兑换码' }],
    });
    expect(changed.status).toBe(200);
    expect(changed.body.order.fulfilment).toMatchObject({
      state: 'SHIPPED',
      logisticsType: 'virtual',
    });
    const third = await ship(s, paid.id, express('YT3000006'));
    expect(third.status).toBe(409);
    expect(third.body.error.message).toMatch(/10060003/);
    expect((await adminOrder(s, paid.id)).fulfilment).toEqual(changed.body.order.fulfilment);
    expect((await atWeChat(s, paid.transactionId)).shipping.finish_shipping_count).toBe(2);
  });

  it('when a shipped order is refunded in full, then WeChat shows it 已退款 and it cannot be shipped again; its shipping stays visible', async () => {
    const buyer = await loginAs(s.server, s.sandbox, 'ship-refunded');
    const paid = await paidThroughSandbox(s.server, s.sandbox, buyer);
    expect((await ship(s, paid.id, express('YT5000001'))).status).toBe(200);
    const refund = await call(`${s.server.url}/admin/orders/${paid.id}/refunds`, {
      ...admin,
      body: { amountFen: paid.totalFen },
      headers: { 'idempotency-key': `ship-refund-${paid.id}` },
    });
    expect(refund.status).toBe(201);
    const refunded = await eventually(
      async () => {
        const order = await adminOrder(s, paid.id);
        return order.status === 'REFUNDED' ? order : undefined;
      },
      10_000,
      'REFUNDED',
    );
    expect(refunded.fulfilment).toMatchObject({
      state: 'SHIPPED',
      parcels: [{ trackingNo: 'YT5000001' }],
    });
    expect((await atWeChat(s, paid.transactionId)).order_state).toBe(5);
    const again = await ship(s, paid.id, express('YT5000002'));
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/REFUNDED/);
    expect((await adminOrder(s, paid.id)).fulfilment).toEqual(refunded.fulfilment);
  });

  it('when the express companies are asked for twice, then they come from one get_delivery_list', async () => {
    const first = await call(`${s.server.url}/admin/shipping/delivery-companies`, admin);
    expect(first.status).toBe(200);
    expect(first.body.companies).toContainEqual({ id: 'SF', name: '顺丰速运' });
    s.clock.advance(60_000);
    const second = await call(`${s.server.url}/admin/shipping/delivery-companies`, admin);
    expect(second.body).toEqual(first.body); // same fetchedAt: served from the cache
    expect((await call(`${s.server.url}/admin/shipping/delivery-companies`)).status).toBe(401);
  });
});

describe('shipping info, safe-mode XML message pushes', () => {
  const s = useShippingStack({ ingestDelaySeconds: 0 }, { mode: 'safe', format: 'xml' });

  it('when the buyer confirms, then the encrypted settlement push settles the order; a plain or mis-encrypted push is refused', async () => {
    const buyer = await loginAs(s.server, s.sandbox, 'ship-safe');
    const paid = await paidThroughSandbox(s.server, s.sandbox, buyer);
    expect(
      (
        await ship(s, paid.id, {
          logisticsType: 'self-pickup',
          parcels: [{ itemDesc: '门店自提' }],
        })
      ).status,
    ).toBe(200);

    // A plain-mode push to a safe-mode endpoint, and one encrypted for another app: refused.
    const now = Math.floor(s.clock.now().getTime() / 1000);
    expect((await push(s, settlementEvent(paid, now))).status).toBe(401);
    const encrypt = encryptMessagePush(
      JSON.stringify(settlementEvent(paid, now)),
      AES_KEY,
      'wxfe00000000000009',
    );
    const nonce = 'n1';
    const msgSignature = messagePushSignature(TOKEN, String(now), nonce, encrypt);
    const foreign = await fetch(
      `${s.server.url}/wechat/message?timestamp=${now}&nonce=${nonce}&encrypt_type=aes&msg_signature=${msgSignature}`,
      { method: 'POST', body: JSON.stringify({ ToUserName: 'gh_x', Encrypt: encrypt }) },
    );
    expect(foreign.status).toBe(400);
    expect((await adminOrder(s, paid.id)).fulfilment.state).toBe('SHIPPED');

    const confirm = await call(`${s.sandbox.url}/__sandbox/shipping/confirm`, {
      body: { user: 'ship-safe', transaction_id: paid.transactionId },
    });
    expect(confirm.body.status).toBe('success');
    const settled = await eventually(
      async () => {
        const order = await adminOrder(s, paid.id);
        return order.fulfilment.state === 'SETTLED' ? order : undefined;
      },
      10_000,
      'SETTLED',
    );
    expect(settled.fulfilment).toMatchObject({
      confirmedAt: expect.any(String),
      settledAt: expect.any(String),
    });
  });
});

describe('shipping info for a mini-program not under trade management', () => {
  const s = useShippingStack({ ingestDelaySeconds: 0, unmanagedAppIds: [DEMO.appId] }, undefined);

  it('when an operator ships, then the refusal says there is nothing to record, and nothing is stored', async () => {
    const buyer = await loginAs(s.server, s.sandbox, 'ship-unmanaged');
    const paid = await paidThroughSandbox(s.server, s.sandbox, buyer);
    const res = await ship(s, paid.id, express('YT4000001'));
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/not under WeChat's trade management/);
    expect((await adminOrder(s, paid.id)).fulfilment).toEqual({ state: 'UNSHIPPED' });
  });
});
