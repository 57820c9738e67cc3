import type { Clock } from '../../src/clock.js';
import { createLogger } from '../../src/logger.js';
import { SEED_PRODUCTS } from '../../src/services/catalogue.js';
import { createOrderLocks } from '../../src/services/order-locks.js';
import { createOrderService } from '../../src/services/order-service.js';
import { createOrderSync } from '../../src/services/order-sync.js';
import { createPaymentState } from '../../src/services/payment-state.js';
import { createRefundService } from '../../src/services/refund-service.js';
import type { UserKind } from '../../src/stores/user-model.js';
import { createFakeWeChatGateway } from '../fakes/fake-wechat-gateway.js';
import { createInMemoryStores } from '../fakes/index.js';

/** A clock a test moves by hand. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
}

function manualClock(start: Date): ManualClock {
  let at = start.getTime();
  return {
    now: () => new Date(at),
    advance: (ms) => {
      at += ms;
    },
  };
}

/**
 * The server's payment services wired as `runtime.ts` wires them, over in-memory stores and a
 * fake WeChat: no database, no network, so a rule is checked in milliseconds.
 */
export async function createServiceRig() {
  const stores = createInMemoryStores();
  const wechat = createFakeWeChatGateway();
  const clock = manualClock(new Date('2026-12-01T04:00:00Z'));
  const log = createLogger('silent');
  const withOrderLock = createOrderLocks();
  const payments = createPaymentState({ ...stores, clock });
  const sync = createOrderSync({ orders: stores.orders, wechat, payments, clock });
  const orderService = createOrderService({
    ...stores,
    wechat,
    payments,
    sync,
    clock,
    withOrderLock,
    notifyUrl: 'https://shop.example/wxpay/notify',
    orderTtlMinutes: 30,
    site: { url: 'https://shop.example', name: 'Fen' },
    maxChannelSwitches: 4,
  });
  const refundService = createRefundService({
    ...stores,
    wechat,
    clock,
    withOrderLock,
    refundNotifyUrl: 'https://shop.example/wxpay/refund-notify',
  });
  await stores.products.seed(SEED_PRODUCTS);

  /** A user of this kind, as a login would create it. */
  async function user(kind: UserKind = 'miniprogram') {
    const openid = `o-${kind}-${Math.random().toString(36).slice(2, 10)}`;
    return stores.users.upsertByOpenid(openid, undefined, clock.now(), kind);
  }

  return { stores, wechat, clock, log, payments, sync, orderService, refundService, user };
}

export type ServiceRig = Awaited<ReturnType<typeof createServiceRig>>;
