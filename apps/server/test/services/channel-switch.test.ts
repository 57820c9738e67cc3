import type { PayChannel } from '@fen/contracts';
import { beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { createServiceRig } from '../helpers/service-rig.js';
import type { ServiceRig } from '../helpers/service-rig.js';

// Placing orders and moving them between channels (services/order-service.ts) against a fake
// WeChat: the old attempt is closed at WeChat first, and a new out_trade_no carries the new
// channel, because WeChat refuses the same out_trade_no with other parameters.
let rig: ServiceRig;
const TEA = [{ productId: 'jasmine-tea', quantity: 2 }];

beforeEach(async () => {
  rig = await createServiceRig();
});

async function place(
  kind: 'miniprogram' | 'official_account' | 'guest',
  channel: PayChannel = 'native',
) {
  const user = await rig.user(kind);
  const userId = user._id.toHexString();
  return { userId, created: await create(userId, channel) };
}

const create = (userId: string, channel: PayChannel) =>
  rig.orderService.create(
    userId,
    { items: TEA, channel },
    { clientIp: '203.0.113.7', log: rig.log },
  );

const pay = (userId: string, orderId: string, channel?: PayChannel) =>
  rig.orderService.pay(userId, orderId, {
    ...(channel ? { channel } : {}),
    clientIp: '203.0.113.7',
    log: rig.log,
  });

/** The AppError code a call was refused with. */
async function refusedWith(work: Promise<unknown>): Promise<string> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  return isAppError(err) ? err.code : `not refused: ${String(err)}`;
}

describe('channel switching', () => {
  it('when a Native order is paid by H5 instead, then WeChat closes the old attempt first and a new out_trade_no carries MWEB', async () => {
    const { userId, created } = await place('miniprogram');
    const first = created.order.outTradeNo;
    rig.wechat.calls.length = 0;

    const switched = await pay(userId, created.order.id, 'h5');

    const second = switched.order.outTradeNo;
    expect(second).not.toBe(first);
    expect(rig.wechat.calls).toEqual([
      { method: 'closePayment', key: first },
      { method: 'prepay', key: second },
    ]);
    expect(rig.wechat.payments.get(first)?.state).toBe('CLOSED');
    expect(rig.wechat.payments.get(second)?.params).toMatchObject({
      trade_type: 'MWEB',
      total_fee: String(created.order.totalFen),
    });
    expect(switched.payment).toEqual({ channel: 'h5', mwebUrl: `https://fake.example/${second}` });
    const stored = await rig.stores.orders.findById(created.order.id);
    expect(stored).toMatchObject({ channel: 'h5', outTradeNo: second, status: 'PENDING' });
    expect(stored?.formerOutTradeNos).toEqual([first]);
  });

  it('when the same channel is asked again, then the stored attempt is reused and WeChat is not called', async () => {
    const { userId, created } = await place('miniprogram');
    rig.wechat.calls.length = 0;
    const again = await pay(userId, created.order.id, 'native');
    expect(again.order.outTradeNo).toBe(created.order.outTradeNo);
    expect(rig.wechat.calls).toEqual([]);
  });

  it('when the prepay_id has aged out, then the re-entry sends the stored parameters unchanged', async () => {
    const { userId, created } = await place('miniprogram');
    const before = rig.wechat.payments.get(created.order.outTradeNo)?.params;
    rig.clock.advance(20 * 60_000);
    const stored = await rig.stores.orders.findById(created.order.id);
    // Pretend the prepay_id is older than WeChat keeps it.
    await rig.stores.orders.setPrepay(
      stored!._id,
      { prepayId: stored!.prepayId!, prepayExpiresAt: rig.clock.now() },
      { at: rig.clock.now(), kind: 'ATTEMPT', detail: 'aged' },
    );
    rig.wechat.calls.length = 0;
    await pay(userId, created.order.id);
    // The fake refuses a re-entry whose parameters differ, as WeChat does.
    expect(rig.wechat.calls).toEqual([{ method: 'prepay', key: created.order.outTradeNo }]);
    expect(rig.wechat.payments.get(created.order.outTradeNo)?.params).toEqual(before);
  });

  it('when WeChat says the old attempt was paid meanwhile, then nothing is switched and the order is PAID', async () => {
    const { userId, created } = await place('miniprogram');
    rig.wechat.payAtWeChat(created.order.outTradeNo);

    expect(await refusedWith(pay(userId, created.order.id, 'h5'))).toBe('ORDER_NOT_PAYABLE');

    const stored = await rig.stores.orders.findById(created.order.id);
    expect(stored).toMatchObject({ status: 'PAID', channel: 'native' });
    expect(stored?.outTradeNo).toBe(created.order.outTradeNo);
    expect(rig.wechat.calls.filter((c) => c.method === 'prepay')).toHaveLength(1);
  });

  it('when an earlier switch closed the attempt and stopped short, then the switch goes on', async () => {
    const { userId, created } = await place('miniprogram');
    await rig.wechat.closePayment(created.order.outTradeNo);
    rig.wechat.failNext('closePayment', 'ORDER_CLOSED', 'ORDERCLOSED');
    const switched = await pay(userId, created.order.id, 'h5');
    expect(switched.payment.channel).toBe('h5');
  });

  it('when WeChat cannot be reached to close the attempt, then WECHAT_UNAVAILABLE and the order is unchanged', async () => {
    const { userId, created } = await place('miniprogram');
    rig.wechat.failNext('closePayment', 'UNREACHABLE', 'TIMEOUT');
    expect(await refusedWith(pay(userId, created.order.id, 'h5'))).toBe('WECHAT_UNAVAILABLE');
    const stored = await rig.stores.orders.findById(created.order.id);
    expect(stored).toMatchObject({ channel: 'native', outTradeNo: created.order.outTradeNo });
  });

  it('when WeChat says a re-entered order is closed, then the order is CLOSED here too', async () => {
    const { userId, created } = await place('miniprogram');
    const stored = await rig.stores.orders.findById(created.order.id);
    await rig.stores.orders.setPrepay(
      stored!._id,
      { prepayId: stored!.prepayId!, prepayExpiresAt: rig.clock.now() },
      { at: rig.clock.now(), kind: 'ATTEMPT', detail: 'aged' },
    );
    await rig.wechat.closePayment(created.order.outTradeNo);
    expect(await refusedWith(pay(userId, created.order.id))).toBe('ORDER_NOT_PAYABLE');
    expect((await rig.stores.orders.findById(created.order.id))?.status).toBe('CLOSED');
  });
});

describe('who may use a channel', () => {
  it('when a guest asks for APP pay, on a new order or a switch, then CHANNEL_UNAVAILABLE and WeChat is not called', async () => {
    const guest = await rig.user('guest');
    const refused = create(guest._id.toHexString(), 'app');
    expect(await refusedWith(refused)).toBe('CHANNEL_UNAVAILABLE');
    expect(rig.wechat.calls).toEqual([]);

    const { userId, created } = await place('guest');
    rig.wechat.calls.length = 0;
    expect(await refusedWith(pay(userId, created.order.id, 'app'))).toBe('CHANNEL_UNAVAILABLE');
    expect(rig.wechat.calls).toEqual([]);
  });

  it('when a mini-program user pays by APP, then the client gets APP parameters for the mobile appid', async () => {
    const { created } = await place('miniprogram', 'app');
    expect(created.payment).toMatchObject({
      channel: 'app',
      appParams: { appid: rig.wechat.appIdFor('app'), package: 'Sign=WXPay' },
    });
  });

  it('when a guest pays by QR code, then it may, but not in the mini-program', async () => {
    const { created } = await place('guest');
    expect(created.payment.channel).toBe('native');
    const guest = await rig.user('guest');
    const refused = create(guest._id.toHexString(), 'miniprogram');
    expect(await refusedWith(refused)).toBe('CHANNEL_UNAVAILABLE');
  });
});
