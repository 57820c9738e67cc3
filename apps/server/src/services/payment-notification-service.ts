import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { AnomalyKind } from '../stores/anomaly-model.js';
import type { AnomalyStore } from '../stores/anomaly-store.js';
import type { OrderStore } from '../stores/order-store.js';
import type { PaymentEventStore } from '../stores/payment-event-store.js';
import type { WeChatGateway } from '../wechat/gateway.js';
import type { NotificationRequest } from '../wechat/payment-reports.js';
import type { WithOrderLock } from './order-locks.js';
import type { PaymentState } from './payment-state.js';

/** What to answer WeChat: `ok` → SUCCESS (stop retrying), otherwise FAIL with a reason. */
export interface NotificationVerdict {
  ok: boolean;
  message: string;
}

/**
 * Anomalies answered SUCCESS (APIv3: 204), once durably recorded. Each is a permanent fact of a
 * correctly signed notification — another appid, another currency, a transaction that already
 * paid another order — that WeChat's retries (up to 15 over 24 h) would only repeat: a FAIL
 * would keep the same message coming and change nothing, while a human already has the anomaly
 * and the reconciliation job still asks WeChat about the order while it is PENDING. A forgery
 * with a leaked key gains nothing from the acknowledgement: the order is not marked paid.
 * The older kinds (a wrong amount, no transaction_id, an unknown order) still answer FAIL, as
 * they always have (README, "Exactly once").
 */
const SETTLED_ANOMALIES: ReadonlySet<AnomalyKind> = new Set<AnomalyKind>([
  'APPID_MISMATCH',
  'CURRENCY_MISMATCH',
  'TRANSACTION_REUSED',
]);

export interface PaymentNotificationDeps {
  orders: OrderStore;
  events: PaymentEventStore;
  anomalies: AnomalyStore;
  payments: PaymentState;
  wechat: WeChatGateway;
  clock: Clock;
  withOrderLock: WithOrderLock;
}

/**
 * POST /wxpay/notify, exactly once (docs/pitfalls.md #4): verify (fail closed, docs/pitfalls.md #7), store the event,
 * check the order and the amount, then one conditional PENDING → PAID. SUCCESS is answered only
 * after every write was acknowledged; any failure answers FAIL so WeChat retries.
 */
export function createPaymentNotificationService(deps: PaymentNotificationDeps) {
  const { orders, events, anomalies, payments, wechat, clock, withOrderLock } = deps;

  /** A notification of either API version: its route's version, headers and exact bytes. */
  return async function handlePaymentNotification(
    request: NotificationRequest,
    log: Logger,
  ): Promise<NotificationVerdict> {
    const parsed = await wechat.parsePaymentNotification(request);
    if (!parsed.accepted) {
      log.warn(parsed.log, 'payment notification refused');
      return { ok: false, message: parsed.code };
    }
    const { report } = parsed;
    const { outTradeNo } = report;
    const transactionId = report.transactionId ?? '';
    const succeeded = report.outcome === 'PAID';
    // A payment is one transaction for one order: keyed by both, so a second order named with a
    // transaction that paid another is its own event (and anomaly), not a repeat of the first.
    const dedupeKey = succeeded
      ? `PAY:${outTradeNo}:${transactionId}`
      : `PAY_FAILED:${outTradeNo}:${report.failureCode ?? ''}:${report.notificationId}`;
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
            fields: report.record,
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
              data: report.record,
            },
            clock.now(),
          );
          await events.setOutcome(dedupeKey, 'ANOMALY', clock.now());
          notifyLog.error('payment notification for an unknown order: anomaly recorded');
          return { ok: false, message: 'UNKNOWN_ORDER' };
        }
        if (!succeeded) {
          await events.setOutcome(dedupeKey, 'NO_CHANGE', clock.now());
          notifyLog.info(
            { failureCode: report.failureCode },
            'payment failed at WeChat; order unchanged',
          );
          return { ok: true, message: 'OK' };
        }
        const result = await payments.markPaid(order, report, dedupeKey, notifyLog);
        if (result.outcome === 'ANOMALY') {
          await events.setOutcome(dedupeKey, 'ANOMALY', clock.now());
          // Acknowledged only now that the anomaly and the event are stored (DURABLE).
          if (result.anomaly && SETTLED_ANOMALIES.has(result.anomaly))
            return { ok: true, message: 'OK' };
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
