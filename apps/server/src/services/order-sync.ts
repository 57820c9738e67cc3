import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { OrderRecord, OrderStore } from '../stores/order-store.js';
import { describeWeChatFailure, wechatErrCode } from '../wechat/failure.js';
import type { WeChatGateway } from '../wechat/gateway.js';
import type { PaymentState } from './payment-state.js';

export interface SyncResult {
  order: OrderRecord;
  /** WeChat's trade_state, or ORDERNOTEXIST when WeChat has never seen the order. */
  tradeState: string;
}

/**
 * Asks WeChat (orderquery) about a PENDING order and applies the answer: the server's own way to
 * learn about a payment whose notification is late or lost (docs/pitfalls.md #5, #16). Throws when
 * WeChat cannot be asked; callers decide whether that matters. Callers hold the order lock.
 */
export function createOrderSync(deps: {
  orders: OrderStore;
  wechat: WeChatGateway;
  payments: PaymentState;
  clock: Clock;
}) {
  const { orders, wechat, payments, clock } = deps;
  async function sync(given: OrderRecord, log: Logger): Promise<SyncResult> {
    const order = await payments.repair(given);
    if (order.status !== 'PENDING') return { order, tradeState: order.status };
    let reply: Record<string, string>;
    try {
      reply = await wechat.orderQuery(order.outTradeNo, order.appId);
    } catch (err) {
      const detail = describeWeChatFailure(err);
      await orders.note(
        order._id,
        { at: clock.now(), kind: 'QUERY', detail },
        { lastQueriedAt: clock.now() },
      );
      if (wechatErrCode(err) === 'ORDERNOTEXIST') return { order, tradeState: 'ORDERNOTEXIST' };
      log.warn({ outTradeNo: order.outTradeNo, detail }, 'orderquery failed');
      throw err;
    }
    const tradeState = reply.trade_state ?? '';
    await orders.note(
      order._id,
      { at: clock.now(), kind: 'QUERY', detail: `trade_state=${tradeState}` },
      { lastQueriedAt: clock.now() },
    );
    switch (tradeState) {
      case 'SUCCESS':
      case 'REFUND': {
        const source = `QUERY:${reply.transaction_id ?? order.outTradeNo}`;
        const result = await payments.markPaid(order, reply, source, log);
        return { order: result.order, tradeState };
      }
      case 'CLOSED':
      case 'REVOKED':
      case 'PAYERROR':
        return {
          order: await payments.markClosed(order, `WeChat trade_state ${tradeState}`, log),
          tradeState,
        };
      default:
        return { order, tradeState };
    }
  }

  /**
   * Closes a PENDING order at WeChat first, then here (docs/pitfalls.md #16: never cancel unasked).
   * If WeChat says ORDERPAID, the order is paid instead — learned through orderquery, which
   * carries the transaction id and amount to check.
   */
  async function close(given: OrderRecord, reason: string, log: Logger): Promise<OrderRecord> {
    const order = await payments.repair(given);
    if (order.status !== 'PENDING') return order;
    try {
      await wechat.closeOrder(order.outTradeNo, order.appId);
    } catch (err) {
      const code = wechatErrCode(err);
      const detail = describeWeChatFailure(err);
      await orders.note(order._id, {
        at: clock.now(),
        kind: 'CLOSE_REFUSED',
        detail,
      });
      if (code === 'ORDERPAID') return (await sync(order, log)).order;
      // Already closed there, or WeChat never saw it (unifiedorder never got through): close here.
      if (code !== 'ORDERCLOSED' && code !== 'ORDERNOTEXIST') {
        log.warn({ outTradeNo: order.outTradeNo, detail }, 'closeorder failed');
        throw err;
      }
    }
    return payments.markClosed(order, reason, log);
  }

  return { sync, close };
}

export type OrderSync = ReturnType<typeof createOrderSync>;
