import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { AnomalyStore } from '../stores/anomaly-store.js';
import type { PaymentEventStore } from '../stores/payment-event-store.js';
import type { RefundStore } from '../stores/refund-store.js';
import type { SignedNotification, WeChatGateway } from '../wechat/gateway.js';
import { isWxPayError } from '@fen/wxpay';
import type { WithOrderLock } from './order-locks.js';
import type { NotificationVerdict } from './payment-notification-service.js';
import type { RefundService } from './refund-service.js';

const FINAL = new Set(['SUCCESS', 'REFUNDCLOSE', 'CHANGE']);

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

  /** APIv2's XML body, or an APIv3 notification (headers + exact bytes): the same fields out. */
  return async function handleRefundNotification(
    notification: string | SignedNotification,
    log: Logger,
  ): Promise<NotificationVerdict> {
    let info: Record<string, string>;
    try {
      info =
        typeof notification === 'string'
          ? wechat.parseRefundNotification(notification).info
          : (await wechat.parseV3RefundNotification(notification)).info;
    } catch (err) {
      log.warn({ code: isWxPayError(err) ? err.code : 'ERROR' }, 'refund notification refused');
      return { ok: false, message: isWxPayError(err) ? err.code : 'INVALID' };
    }
    const outRefundNo = info.out_refund_no ?? '';
    const status = info.refund_status ?? '';
    const dedupeKey = `REFUND:${info.refund_id ?? outRefundNo}:${status}`;
    const notifyLog = log.child({ outRefundNo, dedupeKey });
    try {
      return await withOrderLock(info.out_trade_no ?? '', async () => {
        const refund = outRefundNo ? await refunds.findByOutRefundNo(outRefundNo) : null;
        await events.record(
          {
            dedupeKey,
            kind: 'REFUND_NOTIFY',
            outTradeNo: info.out_trade_no ?? '',
            ...(refund ? { orderId: refund.orderId } : {}),
            ...(info.transaction_id ? { transactionId: info.transaction_id } : {}),
            outRefundNo,
            fields: info,
          },
          clock.now(),
        );
        const mismatch = !refund
          ? 'a refund we do not have'
          : refund.outTradeNo !== info.out_trade_no
            ? `out_trade_no ${info.out_trade_no ?? ''} differs from ${refund.outTradeNo}`
            : info.refund_fee !== String(refund.amountFen)
              ? `refund_fee ${info.refund_fee ?? ''} differs from ${refund.amountFen}`
              : undefined;
        if (!refund || mismatch) {
          await anomalies.record(
            {
              dedupeKey: `REFUND_NOTIFY:${dedupeKey}`,
              kind: 'UNKNOWN_REFUND',
              outTradeNo: info.out_trade_no ?? '',
              ...(refund ? { orderId: refund.orderId } : {}),
              detail: `refund notification for ${mismatch ?? 'an unknown refund'}`,
              data: info,
            },
            clock.now(),
          );
          await events.setOutcome(dedupeKey, 'ANOMALY', clock.now());
          notifyLog.error({ mismatch }, 'refund notification does not match: anomaly recorded');
          return { ok: false, message: 'ANOMALY' };
        }
        if (!FINAL.has(status)) {
          await events.setOutcome(dedupeKey, 'NO_CHANGE', clock.now());
          return { ok: true, message: 'OK' };
        }
        const wasProcessing = refund.status === 'PROCESSING';
        if (typeof notification === 'string') {
          // APIv2's req_info is AES-ECB: no integrity, so blocks of genuine notifications can be
          // rearranged into another well-formed one (found by the fuzz tests). Its outcome is
          // taken from refundquery, never from the notification itself.
          await refundService.queryHeld(refund, notifyLog);
        } else {
          await refundService.finish(
            refund,
            status as 'SUCCESS' | 'REFUNDCLOSE' | 'CHANGE',
            info.refund_id ? { refundId: info.refund_id } : {},
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
