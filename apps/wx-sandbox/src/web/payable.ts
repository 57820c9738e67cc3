import type { SandboxCore } from '../core.js';
import type { ControlError } from '../pay/payer.js';
import { PREPAY_TTL_MS } from '../state/orders.js';
import type { Order } from '../state/orders.js';

/**
 * The order a cashier may show for `prepayId`, or why not: unknown, paid, closed, or a prepay_id
 * past its 2 hours or replaced by a newer one. `payAsPayer` checks this when the payer acts;
 * the cashier pages check it earlier, to refuse before showing anything.
 */
export function payableOrder(core: SandboxCore, prepayId: string): Order | ControlError {
  const order = core.orders.byPrepayId(prepayId);
  if (!order) {
    return { status: 404, code: 'PREPAY_NOT_FOUND', message: `no order has prepay_id ${prepayId}` };
  }
  if (order.state === 'SUCCESS' || order.state === 'REFUND') {
    return {
      status: 409,
      code: 'ORDER_PAID',
      message: `order ${order.outTradeNo} is already paid`,
    };
  }
  if (order.state === 'CLOSED') {
    return { status: 409, code: 'ORDER_CLOSED', message: `order ${order.outTradeNo} is closed` };
  }
  if (prepayId !== order.prepayId || core.clock.nowMs() - order.prepayIssuedAt >= PREPAY_TTL_MS) {
    return {
      status: 409,
      code: 'PREPAY_EXPIRED',
      message: 'this prepay_id has expired (2 h); the merchant must call unifiedorder again',
    };
  }
  return order;
}

export const isControlError = (value: object): value is ControlError => 'code' in value;
