import { canonicalStringV2, fromXml, isWxPayError } from '@fen/wxpay';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { AnomalyStore } from '../stores/anomaly-store.js';
import type { OrderStore } from '../stores/order-store.js';
import type { PaymentEventStore } from '../stores/payment-event-store.js';
import type { SignedNotification, WeChatGateway } from '../wechat/gateway.js';
import type { WithOrderLock } from './order-locks.js';
import type { PaymentState } from './payment-state.js';

/** What to answer WeChat: `ok` → SUCCESS (stop retrying), otherwise FAIL with a reason. */
export interface NotificationVerdict {
  ok: boolean;
  message: string;
}

export interface PaymentNotificationDeps {
  orders: OrderStore;
  events: PaymentEventStore;
  anomalies: AnomalyStore;
  payments: PaymentState;
  wechat: WeChatGateway;
  clock: Clock;
  withOrderLock: WithOrderLock;
}

/** On a refused signature, log what was signed and how (docs/pitfalls.md #1) — never the key. */
function logRefusal(body: string, err: unknown, log: Logger): void {
  let signed: string | undefined;
  let signType: string | undefined;
  try {
    const fields = fromXml(body);
    signed = canonicalStringV2(fields);
    signType = fields.sign_type || 'MD5';
  } catch {
    // Not even XML: nothing more to show.
  }
  log.warn(
    { code: isWxPayError(err) ? err.code : 'ERROR', signType, signed },
    'payment notification refused',
  );
}

/**
 * POST /wxpay/notify, once (docs/pitfalls.md #4): verify (fail closed, #7), store the event,
 * check the order and the amount, then one conditional PENDING → PAID. SUCCESS is answered only
 * after every write was acknowledged; any failure answers FAIL so WeChat retries.
 */
export function createPaymentNotificationService(deps: PaymentNotificationDeps) {
  const { orders, events, anomalies, payments, wechat, clock, withOrderLock } = deps;

  /** APIv2's XML body, or an APIv3 notification (headers + exact bytes): the same fields out. */
  return async function handlePaymentNotification(
    notification: string | SignedNotification,
    log: Logger,
  ): Promise<NotificationVerdict> {
    let fields: Record<string, string>;
    try {
      fields =
        typeof notification === 'string'
          ? wechat.parsePaymentNotification(notification)
          : await wechat.parseV3PaymentNotification(notification);
    } catch (err) {
      if (typeof notification === 'string') logRefusal(notification, err, log);
      else
        log.warn(
          { code: isWxPayError(err) ? err.code : 'ERROR' },
          'v3 payment notification refused',
        );
      return { ok: false, message: isWxPayError(err) ? err.code : 'INVALID' };
    }
    const outTradeNo = fields.out_trade_no ?? '';
    const transactionId = fields.transaction_id ?? '';
    const succeeded = fields.result_code === 'SUCCESS';
    const dedupeKey = succeeded
      ? `PAY:${transactionId || outTradeNo}`
      : `PAY_FAILED:${outTradeNo}:${fields.err_code ?? ''}:${fields.nonce_str ?? ''}`;
    const notifyLog = log.child({ outTradeNo, transactionId, dedupeKey });
    try {
      return await withOrderLock(outTradeNo, async () => {
        const order = outTradeNo ? await orders.findByOutTradeNo(outTradeNo) : null;
        // The event is durable before anything acts on it.
        const event = await events.record(
          {
            dedupeKey,
            kind: 'PAY_NOTIFY',
            outTradeNo,
            ...(order ? { orderId: order._id } : {}),
            ...(transactionId ? { transactionId } : {}),
            fields,
          },
          clock.now(),
        );
        if (!order) {
          await anomalies.record(
            {
              dedupeKey: `UNKNOWN_ORDER:${dedupeKey}`,
              kind: 'UNKNOWN_ORDER',
              outTradeNo,
              detail: `a verified notification names an order we do not have`,
              data: fields,
            },
            clock.now(),
          );
          await events.setOutcome(dedupeKey, 'ANOMALY', clock.now());
          notifyLog.error('payment notification for an unknown order: anomaly recorded');
          return { ok: false, message: 'UNKNOWN_ORDER' };
        }
        if (!succeeded) {
          await events.setOutcome(dedupeKey, 'NO_CHANGE', clock.now());
          notifyLog.info({ errCode: fields.err_code }, 'payment failed at WeChat; order unchanged');
          return { ok: true, message: 'OK' };
        }
        const result = await payments.markPaid(order, fields, dedupeKey, notifyLog);
        if (result.outcome === 'ANOMALY') {
          await events.setOutcome(dedupeKey, 'ANOMALY', clock.now());
          return { ok: false, message: 'ANOMALY' };
        }
        // APPLIED marks the event whose claim decided the payment — every duplicate of it agrees,
        // so a crash between the writes is repaired by WeChat's next retry.
        await events.setOutcome(dedupeKey, result.outcome, clock.now());
        if (event.receivedCount > 1) {
          notifyLog.info({ receivedCount: event.receivedCount }, 'duplicate payment notification');
        }
        return { ok: true, message: 'OK' };
      });
    } catch (err) {
      notifyLog.error({ err }, 'payment notification not processed; answering FAIL');
      return { ok: false, message: 'RETRY' };
    }
  };
}

export type PaymentNotificationHandler = ReturnType<typeof createPaymentNotificationService>;
