import type { Order } from '@fen/contracts';
import { describe, expect, it } from 'vitest';
import { app } from './support/app.js';

const { orderDetail } = app.orderView();

function buildOrder(overrides: Partial<Order> = {}): Order {
  return {
    id: 'o1',
    outTradeNo: 'FEN1',
    status: 'PENDING',
    items: [],
    totalFen: 990,
    refundedFen: 0,
    description: 'Jasmine tea',
    createdAt: '2025-01-01T00:00:00.600Z',
    expiresAt: '2025-01-01T00:30:00.000Z',
    ...overrides,
  };
}

const texts = (order: Order) => orderDetail(order).timeline.map((entry) => entry.text);

describe('the order timeline without a server timeline', () => {
  it('when the order is pending, then it shows only its placement', () => {
    expect(texts(buildOrder())).toEqual(['Order placed, ¥9.90']);
  });

  it("when WeChat's whole-second time_end falls just before the creation, then placement still comes first", () => {
    const paid = buildOrder({ status: 'PAID', paidAt: '2025-01-01T00:00:00.000Z' });
    expect(texts(paid)).toEqual(['Order placed, ¥9.90', 'Payment confirmed']);
  });

  it('when the server sends its own timeline, then that is shown as sent', () => {
    const order = buildOrder({
      timeline: [{ at: '2025-01-01T00:00:01.000Z', kind: 'created', detail: 'Created by server' }],
    });
    expect(texts(order)).toEqual(['Created by server']);
  });
});
