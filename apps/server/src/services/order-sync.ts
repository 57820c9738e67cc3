import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { OrderRecord, OrderStore } from '../stores/order-store.js';
import { describeWeChatFailure, failureReason } from '../wechat/failure.js';
import type { WeChatGateway } from '../wechat/gateway.js';
import type { PaymentStateAtWeChat, WeChatPayment } from '../wechat/payment-reports.js';
import type { PaymentState } from './payment-state.js';

export interface SyncResult {
  order: OrderRecord;
  /**
   * What WeChat said of the payment (`NOT_FOUND`: it has never seen the order), or the order's
   * own status when it had already left PENDING and WeChat was not asked.
   */
  atWeChat: PaymentStateAtWeChat | 'NOT_FOUND' | OrderRecord['status'];
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
    if (order.status !== 'PENDING') return { order, atWeChat: order.status };
    let payment: WeChatPayment;
    try {
      payment = await wechat.queryPayment(order.outTradeNo, order.appId);
    } catch (err) {
      const detail = describeWeChatFailure(err);
      await orders.note(
        order._id,
        { at: clock.now(), kind: 'QUERY', detail },
        { lastQueriedAt: clock.now() },
      );
      if (failureReason(err) === 'ORDER_NOT_FOUND') return { order, atWeChat: 'NOT_FOUND' };
      log.warn({ outTradeNo: order.outTradeNo, detail }, 'orderquery failed');
      throw err;
    }
    const atWeChat = payment.state;
    await orders.note(
      order._id,
      { at: clock.now(), kind: 'QUERY', detail: `WeChat: ${atWeChat}` },
      { lastQueriedAt: clock.now() },
    );
    switch (atWeChat) {
      case 'PAID':
      case 'REFUNDED': {
        const source = `QUERY:${payment.transactionId ?? order.outTradeNo}`;
        const result = await payments.markPaid(order, payment, source, log);
        return { order: result.order, atWeChat };
      }
      case 'CLOSED':
      case 'REVOKED':
      case 'FAILED':
        return {
          order: await payments.markClosed(order, `WeChat says the payment is ${atWeChat}`, log),
          atWeChat,
        };
      default:
        return { order, atWeChat };
    }
  }

  /**
   * Closes a PENDING order at WeChat first, then here (docs/pitfalls.md #16: never cancel without asking).
   * If WeChat says it is paid, the order is paid instead — learned through the query, which
   * carries the transaction id and amount to check.
   */
  async function close(given: OrderRecord, reason: string, log: Logger): Promise<OrderRecord> {
    const order = await payments.repair(given);
    if (order.status !== 'PENDING') return order;
    try {
      await wechat.closePayment(order.outTradeNo, order.appId);
    } catch (err) {
      const reason = failureReason(err);
      const detail = describeWeChatFailure(err);
      await orders.note(order._id, {
        at: clock.now(),
        kind: 'CLOSE_REFUSED',
        detail,
      });
      if (reason === 'ORDER_PAID') return (await sync(order, log)).order;
      // Already closed there, or WeChat never saw it (unifiedorder never got through): close here.
      if (reason !== 'ORDER_CLOSED' && reason !== 'ORDER_NOT_FOUND') {
        log.warn({ outTradeNo: order.outTradeNo, detail }, 'closeorder failed');
        throw err;
      }
    }
    return payments.markClosed(order, reason, log);
  }

  return { sync, close };
}

export type OrderSync = ReturnType<typeof createOrderSync>;
