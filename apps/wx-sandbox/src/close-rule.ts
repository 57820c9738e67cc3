import type { SandboxCore } from './core.js';
import type { Order } from './state/orders.js';

/** What closing an order did: closed it, or why not (each API says it with its own code). */
export type CloseDecision = 'CLOSED' | 'ORDER_PAID' | 'ORDER_CLOSED';

/**
 * WeChat's closeorder rule, the same for APIv2 and APIv3 [docs/protocol.md §3.3, §6]: an unpaid order is
 * closed for good; a paid (or refunded) one cannot be closed; a closed one cannot be closed
 * again. The "not within 5 minutes of creation" advice is not enforced.
 */
export function closeUnpaidOrder(core: SandboxCore, order: Order): CloseDecision {
  if (order.state === 'SUCCESS' || order.state === 'REFUND') return 'ORDER_PAID';
  if (order.state === 'CLOSED') return 'ORDER_CLOSED';
  order.state = 'CLOSED';
  order.closedAt = core.clock.nowMs();
  order.closedBy = 'closeorder';
  core.logger({
    level: 'info',
    msg: 'order closed',
    mch_id: order.mchId,
    out_trade_no: order.outTradeNo,
  });
  return 'CLOSED';
}
