import type { Fulfilment, Order } from '@fen/contracts';
import { describe, expect, it } from 'vitest';
import { app } from './support/app.js';

const { fulfilmentView } = app.fulfilmentView();
const { receiptFeedback } = app.receiptView();

function paidOrder(fulfilment?: Fulfilment, overrides: Partial<Order> = {}): Order {
  return {
    id: 'o1',
    outTradeNo: 'FEN1',
    status: 'PAID',
    items: [],
    totalFen: 990,
    refundedFen: 0,
    description: 'Jasmine tea',
    createdAt: '2025-01-01T00:00:00.000Z',
    expiresAt: '2025-01-01T00:30:00.000Z',
    paidAt: '2025-01-01T00:01:00.000Z',
    transactionId: '4200000001202501010000000001',
    channel: 'miniprogram',
    ...(fulfilment ? { fulfilment } : {}),
    ...overrides,
  };
}

const SF = {
  expressCompany: 'SF',
  expressCompanyName: '顺丰速运',
  trackingNo: 'SF1234567890',
  itemDesc: '茉莉花茶 ×2',
};

describe('the shipping card of an order', () => {
  it('when the server sent no fulfilment, then there is no shipping card', () => {
    expect(fulfilmentView(paidOrder())).toBeNull();
  });

  it.each([
    ['UNSHIPPED', '待发货', false],
    ['SHIPPED', '已发货', true],
    ['CONFIRMED', '已确认收货', false],
    ['SETTLED', '已完成', false],
  ] as const)(
    'when the order is %s, then it reads %s and 确认收货 shows only while shipped',
    (state, text, canConfirm) => {
      const view = fulfilmentView(paidOrder({ state }))!;
      expect(view.state).toBe(state);
      expect(view.stateText).toBe(text);
      expect(view.canConfirmReceipt).toBe(canConfirm);
    },
  );

  it('when shipped by express in two parcels, then each shows its company name and tracking number', () => {
    const view = fulfilmentView(
      paidOrder({
        state: 'SHIPPED',
        logisticsType: 'express',
        parcels: [SF, { expressCompany: 'YTO', trackingNo: 'YT9876', itemDesc: '月饼礼盒' }],
        shippedAt: '2025-01-02T05:04:00.000Z',
      }),
    )!;
    expect(view.logisticsText).toBe('快递配送');
    expect(view.parcels).toEqual([
      { companyText: '顺丰速运', trackingNo: 'SF1234567890', itemDesc: '茉莉花茶 ×2' },
      // Without a name from WeChat's delivery list, its delivery_id is all there is.
      { companyText: 'YTO', trackingNo: 'YT9876', itemDesc: '月饼礼盒' },
    ]);
    expect(view.shippedText).toBe('2025-01-02 13:04');
    expect(view.confirmedText).toBe('');
    expect(view.settledText).toBe('');
  });

  it('when the goods were picked up or virtual, then there is no company and no tracking number', () => {
    for (const logisticsType of ['self-pickup', 'virtual', 'same-city'] as const) {
      const view = fulfilmentView(
        paidOrder({ state: 'SHIPPED', logisticsType, parcels: [{ itemDesc: '会员卡' }] }),
      )!;
      expect(view.parcels).toEqual([{ companyText: '', trackingNo: '', itemDesc: '会员卡' }]);
    }
    expect(
      fulfilmentView(paidOrder({ state: 'SHIPPED', logisticsType: 'self-pickup' }))!.logisticsText,
    ).toBe('用户自提');
  });

  it('when confirmed and settled, then both times show in Beijing time', () => {
    const view = fulfilmentView(
      paidOrder({
        state: 'SETTLED',
        logisticsType: 'express',
        parcels: [SF],
        shippedAt: '2025-01-02T05:04:00.000Z',
        confirmedAt: '2025-01-03T16:30:00.000Z',
        settledAt: '2025-01-03T16:30:05.000Z',
      }),
    )!;
    expect([view.shippedText, view.confirmedText, view.settledText]).toEqual([
      '2025-01-02 13:04',
      '2025-01-04 00:30',
      '2025-01-04 00:30',
    ]);
  });

  it('when shipped but the order has no transaction id, then 确认收货 does not show (nothing to name the order by)', () => {
    const order = paidOrder({ state: 'SHIPPED' });
    delete order.transactionId;
    expect(fulfilmentView(order)!.canConfirmReceipt).toBe(false);
  });
});

describe('what the page says after the confirm-receipt component', () => {
  const shipped = paidOrder({ state: 'SHIPPED' });
  const confirmed = paidOrder({ state: 'CONFIRMED' });

  it('when it says success, cancel or fail, then the toast says so (and a failure its reason)', () => {
    expect(receiptFeedback({ outcome: 'success' }, shipped)).toEqual({
      toast: { title: '确认收货成功', icon: 'success' },
      notice: '',
    });
    expect(receiptFeedback({ outcome: 'cancel' }, shipped)).toEqual({
      toast: { title: '已取消', icon: 'none' },
      notice: '',
    });
    expect(receiptFeedback({ outcome: 'fail', reason: '获取用户订单失败' }, shipped)).toEqual({
      toast: { title: '确认收货失败', icon: 'none' },
      notice: '确认收货未完成：获取用户订单失败',
    });
  });

  it('when it said nothing, then the reloaded order decides: confirmed is a success, else no toast', () => {
    expect(receiptFeedback({ outcome: 'unknown' }, confirmed).toast?.title).toBe('确认收货成功');
    expect(receiptFeedback({ outcome: 'unknown' }, shipped)).toEqual({ notice: '' });
  });
});
