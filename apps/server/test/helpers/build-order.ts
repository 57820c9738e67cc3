import { Types } from 'mongoose';
import { DEMO_MERCHANT } from '@fen/demo';
import type { NewOrder } from '../../src/stores/order-store.js';

/** A PENDING order as the store keeps it; override what a test cares about. */
export function buildOrder(overrides: Partial<NewOrder> = {}): NewOrder {
  const now = new Date();
  const outTradeNo = `TEST${now.getTime()}${Math.random().toString(36).slice(2, 10)}`;
  return {
    _id: new Types.ObjectId(),
    userId: new Types.ObjectId(),
    openid: 'o-test-openid',
    idempotencyKey: `test:${outTradeNo}`,
    outTradeNo,
    status: 'PENDING',
    items: [
      {
        productId: 'jasmine-tea',
        name: 'Jasmine tea',
        quantity: 1,
        unitPriceFen: 100,
        subtotalFen: 100,
      },
    ],
    totalFen: 100,
    description: 'Fen-Jasmine tea',
    createdAt: now,
    expiresAt: new Date(now.getTime() + 30 * 60_000),
    channel: 'miniprogram',
    appId: DEMO_MERCHANT.appId,
    unifiedOrderParams: { out_trade_no: outTradeNo, total_fee: '100' },
    timeline: [],
    ...overrides,
  };
}
