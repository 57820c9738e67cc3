import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { AnomalyStore } from '../stores/anomaly-store.js';
import type { PaymentEventStore } from '../stores/payment-event-store.js';
import type { RefundStore } from '../stores/refund-store.js';
import type { WeChatGateway } from '../wechat/gateway.js';
import type { NotificationRequest } from '../wechat/payment-reports.js';
import type { WithOrderLock } from './order-locks.js';
import type { NotificationVerdict } from './payment-notification-service.js';
import type { RefundService } from './refund-service.js';

/**
 * POST /wxpay/refund-notify: decrypt `req_info` (its decryption is the proof of origin — the
 * envelope has no sign), store the event, check it against our refund, complete it once — with
 * the outcome refundquery confirms for APIv2, whose req_info can be rearranged undetected.
 */
export function createRefundNotificationService(deps: {
  refunds: RefundStore;
  events: PaymentEventStore;
  anomalies: AnomalyStore;
  refundService: RefundService;
  wechat: WeChatGateway;
  clock: Clock;
  withOrderLock: WithOrderLock;
}) {
  const { refunds, events, anomalies, refundService, wechat, clock, withOrderLock } = deps;

  /** A notification of either API version: its route's version, headers and exact bytes. */
  return async function handleRefundNotification(
    request: NotificationRequest,
    log: Logger,
  ): Promise<NotificationVerdict> {
    const parsed = await wechat.parseRefundNotification(request);
    if (!parsed.accepted) {
      log.warn(parsed.log, 'refund notification refused');
      return { ok: false, message: parsed.code };
    }
    const { refund: reported, trust, record } = parsed.report;
    const { outRefundNo, outTradeNo, state } = reported;
    const dedupeKey = `REFUND:${reported.refundId ?? outRefundNo}:${state}`;
    const notifyLog = log.child({ outRefundNo, dedupeKey });
    try {
      return await withOrderLock(outTradeNo, async () => {
        const refund = outRefundNo ? await refunds.findByOutRefundNo(outRefundNo) : null;
        await events.record(
          {
            dedupeKey,
            kind: 'REFUND_NOTIFY',
            outTradeNo,
            ...(refund ? { orderId: refund.orderId } : {}),
            ...(reported.transactionId ? { transactionId: reported.transactionId } : {}),
            outRefundNo,
            fields: record,
          },
          clock.now(),
        );
        const mismatch = !refund
          ? 'a refund we do not have'
          : refund.outTradeNo !== outTradeNo
            ? `out_trade_no ${outTradeNo} differs from ${refund.outTradeNo}`
            : reported.refundFen !== refund.amountFen
              ? `refund_fee ${reported.refundFen ?? '(no valid amount)'} differs from ${refund.amountFen}`
              : undefined;
        if (!refund || mismatch) {
          await anomalies.record(
            {
              dedupeKey: `REFUND_NOTIFY:${dedupeKey}`,
              kind: 'UNKNOWN_REFUND',
              outTradeNo,
              ...(refund ? { orderId: refund.orderId } : {}),
              detail: `refund notification for ${mismatch ?? 'an unknown refund'}`,
              data: record,
            },
            clock.now(),
          );
          await events.setOutcome(dedupeKey, 'ANOMALY', clock.now());
          notifyLog.error({ mismatch }, 'refund notification does not match: anomaly recorded');
          return { ok: false, message: 'ANOMALY' };
        }
        if (state === 'PROCESSING') {
          await events.setOutcome(dedupeKey, 'NO_CHANGE', clock.now());
          return { ok: true, message: 'OK' };
        }
        const wasProcessing = refund.status === 'PROCESSING';
        if (trust === 'CONFIRM_BY_QUERY') {
          // APIv2's req_info can be rearranged undetected: the outcome is refundquery's, never
          // the notification's own.
          await refundService.queryHeld(refund, notifyLog);
        } else {
          await refundService.finish(
            refund,
            state,
            reported.refundId ? { refundId: reported.refundId } : {},
            notifyLog,
          );
        }
        const applied =
          wasProcessing && (await refunds.findByOutRefundNo(outRefundNo))?.status !== 'PROCESSING';
        await events.setOutcome(dedupeKey, applied ? 'APPLIED' : 'NO_CHANGE', clock.now());
        return { ok: true, message: 'OK' };
      });
    } catch (err) {
      notifyLog.error({ err }, 'refund notification not processed; answering FAIL');
      return { ok: false, message: 'RETRY' };
    }
  };
}

export type RefundNotificationHandler = ReturnType<typeof createRefundNotificationService>;
