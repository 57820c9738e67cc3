import type { OrderStatus } from '@fen/contracts';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { AnomalyKind } from '../stores/anomaly-model.js';
import type { AnomalyStore } from '../stores/anomaly-store.js';
import type { ClaimStore } from '../stores/claim-store.js';
import { TransactionIdTaken } from '../stores/order-store.js';
import type { OrderRecord, OrderStore } from '../stores/order-store.js';
import type { PaidReport } from '../wechat/payment-reports.js';

export type ApplyOutcome = 'APPLIED' | 'NO_CHANGE' | 'ANOMALY';

/** What a report of payment did to the order; an ANOMALY names its kind. */
export interface PaidOutcome {
  outcome: ApplyOutcome;
  order: OrderRecord;
  anomaly?: AnomalyKind;
}

/** Why a report of payment cannot mark the order paid: the anomaly a human gets. */
interface Refusal {
  kind: AnomalyKind;
  detail: string;
  message: string;
}

/** The one decision on how an order leaves PENDING. Dates as ISO strings (stored as-is). */
interface ExitChange extends Record<string, unknown> {
  to: Extract<OrderStatus, 'PAID' | 'CLOSED'>;
  /** The event or query that decided it (dedupe key). */
  source: string;
  at: string;
  transactionId?: string;
  paidAt?: string;
  reason?: string;
}

export interface PaymentStateDeps {
  orders: OrderStore;
  claims: ClaimStore;
  anomalies: AnomalyStore;
  clock: Clock;
}

/** Why a report of payment cannot mark the order paid, as the anomaly a human gets; or none. */
function refusalOf(order: OrderRecord, report: PaidReport): Refusal | undefined {
  const transactionId = report.transactionId ?? '';
  // (An order stored without its appid, from before channels, cannot be compared: left alone.)
  if (report.appId !== undefined && order.appId && report.appId !== order.appId) {
    // Each appid is a different app at WeChat: a payment under another one is not this order's
    // payment, even when the merchant's key signed it (README, "Exactly once").
    return {
      kind: 'APPID_MISMATCH',
      detail: `WeChat reports transaction ${transactionId || '(none)'} under appid ${report.appId}; the order was placed with ${order.appId}`,
      message: 'payment appid mismatch: recorded as an anomaly, order not marked paid',
    };
  }
  if (report.currency !== undefined && report.currency !== 'CNY') {
    return {
      kind: 'CURRENCY_MISMATCH',
      detail: `WeChat reports ${report.totalFen ?? '(no valid amount)'} in ${report.currency.slice(0, 16)}, transaction ${transactionId || '(none)'}; the order is in CNY`,
      message: 'payment currency is not CNY: recorded as an anomaly, order not marked paid',
    };
  }
  if (report.totalFen !== order.totalFen) {
    return {
      kind: 'AMOUNT_MISMATCH',
      detail: `WeChat reports ${report.totalFen ?? '(no valid amount)'} fen paid, transaction ${transactionId || '(none)'}; the order is ${order.totalFen} fen`,
      message: 'payment amount mismatch: recorded as an anomaly, order not marked paid',
    };
  }
  if (transactionId === '') {
    // The amount is right, but a payment without WeChat's transaction id cannot be matched to
    // the bill or refunded by it: a different problem from a wrong amount, so its own kind.
    return {
      kind: 'MISSING_TRANSACTION_ID',
      detail: `WeChat reports ${order.totalFen} fen paid without a transaction_id`,
      message: 'payment without transaction_id: recorded as an anomaly, order not marked paid',
    };
  }
  return undefined;
}

/** The refusal of a transaction that already paid another order. */
function reusedTransaction(transactionId: string, other: string): Refusal {
  return {
    kind: 'TRANSACTION_REUSED',
    detail: `WeChat reports transaction ${transactionId} paying this order, but it already paid ${other}`,
    message:
      'transaction_id already paid another order: recorded as an anomaly, order not marked paid',
  };
}

/** What an anomaly keeps of the report that raised it. */
function reportData(report: PaidReport, source: string): Record<string, string> {
  return {
    ...(report.transactionId !== undefined ? { transactionId: report.transactionId } : {}),
    ...(report.totalFen !== undefined ? { totalFen: String(report.totalFen) } : {}),
    ...(report.paidAt ? { paidAt: report.paidAt.toISOString() } : {}),
    ...(report.appId !== undefined ? { appId: report.appId } : {}),
    ...(report.currency !== undefined ? { currency: report.currency } : {}),
    source,
  };
}

const exitKey = (order: OrderRecord) => `order-exit:${order._id.toHexString()}`;
/** One WeChat transaction pays one order: the first order to claim it keeps it. */
const transactionKey = (transactionId: string) => `transaction:${transactionId}`;

/**
 * The order state machine's way out of PENDING, shared by notifications, client syncs and the
 * reconciliation job. The decision is a claim (unique insert) — whoever comes second learns the
 * decision that stands — and the order is then moved by a conditional update on `status`.
 * Callers hold the order lock.
 */
export function createPaymentState(deps: PaymentStateDeps) {
  const { orders, claims, anomalies, clock } = deps;

  /**
   * One transaction_id pays one order. The first order to report it claims it (a unique insert,
   * atomic on FerretDB too, and taken under this order's lock only, so two orders racing for one
   * transaction are decided here); an order found holding it without a claim (paid before
   * claims existed) keeps it too. The unique index on the order's transactionId backs both.
   */
  async function transactionRefusal(
    order: OrderRecord,
    transactionId: string,
  ): Promise<Refusal | undefined> {
    const mine = order._id.toHexString();
    const claim = await claims.claim(
      transactionKey(transactionId),
      { orderId: mine, outTradeNo: order.outTradeNo },
      clock.now(),
    );
    if (claim.change.orderId !== mine) {
      return reusedTransaction(transactionId, `order ${claim.change.outTradeNo}`);
    }
    const holder = await orders.findByTransactionId(transactionId);
    if (holder && !holder._id.equals(order._id)) {
      return reusedTransaction(transactionId, `order ${holder.outTradeNo}`);
    }
    return undefined;
  }

  /** Applies a claimed exit to the order document (idempotent: only a PENDING order moves). */
  async function applyExit(order: OrderRecord, change: ExitChange): Promise<OrderRecord> {
    const at = new Date(change.at);
    const moved = await orders.transition(
      order._id,
      ['PENDING'],
      change.to,
      change.to === 'PAID'
        ? {
            transactionId: change.transactionId ?? '',
            paidAt: new Date(change.paidAt ?? change.at),
            paidBy: change.source,
          }
        : { closedAt: at, closeReason: change.reason ?? 'closed' },
      {
        at,
        kind: change.to,
        detail:
          change.to === 'PAID'
            ? `transaction ${change.transactionId ?? ''} (${change.source})`
            : (change.reason ?? change.source),
      },
    );
    return moved ?? (await orders.findById(order._id.toHexString())) ?? order;
  }

  /** Claims the exit and applies whichever decision stands. */
  async function exit(
    order: OrderRecord,
    change: ExitChange,
  ): Promise<{ decided: ExitChange; won: boolean; order: OrderRecord }> {
    const claim = await claims.claim(exitKey(order), change, clock.now());
    // An order past PENDING already carries the claimed decision: only a claimed exit moves it,
    // so the order itself records that the claim was applied (no second write to say so).
    const current = order.status === 'PENDING' ? await applyExit(order, claim.change) : order;
    return { decided: claim.change, won: claim.won, order: current };
  }

  return {
    /**
     * PENDING → PAID, after checking WeChat's amount (docs/pitfalls.md #7) and that it names
     * the transaction (an anomaly of its own kind otherwise). `source` is the
     * dedupe key of the event (or query) reporting it. APPLIED means this source decided it.
     */
    async markPaid(
      order: OrderRecord,
      report: PaidReport,
      source: string,
      log: Logger,
    ): Promise<PaidOutcome> {
      const now = clock.now();
      const transactionId = report.transactionId ?? '';
      const refuse = async (refusal: Refusal): Promise<PaidOutcome> => {
        await anomalies.record(
          {
            dedupeKey: `${refusal.kind}:${source}`,
            kind: refusal.kind,
            outTradeNo: order.outTradeNo,
            orderId: order._id,
            detail: refusal.detail,
            data: reportData(report, source),
          },
          now,
        );
        log.error(
          {
            outTradeNo: order.outTradeNo,
            kind: refusal.kind,
            reported: report.totalFen,
            expected: order.totalFen,
          },
          refusal.message,
        );
        return { outcome: 'ANOMALY', order, anomaly: refusal.kind };
      };
      const refusal = refusalOf(order, report) ?? (await transactionRefusal(order, transactionId));
      if (refusal) return refuse(refusal);
      let result: Awaited<ReturnType<typeof exit>>;
      try {
        result = await exit(order, {
          to: 'PAID',
          source,
          at: now.toISOString(),
          transactionId,
          paidAt: (report.paidAt ?? now).toISOString(),
        });
      } catch (err) {
        // The unique index caught what the claim could not (an order paid before the claims
        // existed, written by an older instance): the same anomaly.
        if (!(err instanceof TransactionIdTaken)) throw err;
        return refuse(reusedTransaction(transactionId, 'another order'));
      }
      if (result.decided.to === 'CLOSED') {
        // WeChat took money for an order we closed: only a human can sort that out.
        await anomalies.record(
          {
            dedupeKey: `PAID_AFTER_CLOSE:${source}`,
            kind: 'PAID_AFTER_CLOSE',
            outTradeNo: order.outTradeNo,
            orderId: order._id,
            detail: `WeChat reports transaction ${transactionId} paid, but the order is CLOSED`,
            data: reportData(report, source),
          },
          now,
        );
        log.error({ outTradeNo: order.outTradeNo }, 'payment for a closed order: anomaly recorded');
        return { outcome: 'ANOMALY', order: result.order, anomaly: 'PAID_AFTER_CLOSE' };
      }
      if (result.won)
        log.info({ outTradeNo: order.outTradeNo, transactionId, source }, 'order paid');
      return {
        outcome: result.decided.source === source ? 'APPLIED' : 'NO_CHANGE',
        order: result.order,
      };
    },

    /** PENDING → CLOSED (cancelled, expired, or closed at WeChat); a paid order stays paid. */
    async markClosed(order: OrderRecord, reason: string, log: Logger): Promise<OrderRecord> {
      const now = clock.now();
      const result = await exit(order, {
        to: 'CLOSED',
        source: `CLOSE:${reason}`,
        at: now.toISOString(),
        reason,
      });
      if (result.won) log.info({ outTradeNo: order.outTradeNo, reason }, 'order closed');
      return result.order;
    },

    /** Re-applies an exit decided earlier but never written (a crash, or a lost FerretDB update). */
    async repair(order: OrderRecord): Promise<OrderRecord> {
      if (order.status !== 'PENDING') return order;
      const claim = await claims.find(exitKey(order));
      return claim ? applyExit(order, claim.change as ExitChange) : order;
    },
  };
}

export type PaymentState = ReturnType<typeof createPaymentState>;
