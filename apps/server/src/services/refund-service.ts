import type { CreateRefundResponse } from '@fen/contracts';
import type { Clock } from '../clock.js';
import { appError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AnomalyStore } from '../stores/anomaly-store.js';
import type { ClaimStore } from '../stores/claim-store.js';
import type { OrderRecord, OrderStore } from '../stores/order-store.js';
import type { RefundDoc } from '../stores/refund-model.js';
import type { RefundStore } from '../stores/refund-store.js';
import {
  describeWeChatFailure,
  failureReason,
  isTransientWeChatFailure,
  weChatCallFailed,
} from '../wechat/failure.js';
import type { WeChatGateway } from '../wechat/gateway.js';
import type { RefundStateAtWeChat, WeChatRefund } from '../wechat/payment-reports.js';
import type { WithOrderLock } from './order-locks.js';
import { toApiOrder, toApiRefund } from './order-view.js';
import { outRefundNoFor } from './out-trade-no.js';

/**
 * One of `outRefundNo` or `idempotencyKey` is required: a refund without a key the operator can
 * repeat could not be told from a second refund when a retry follows a lost answer.
 */
export interface CreateRefundInput {
  amountFen: number;
  reason?: string;
  outRefundNo?: string;
  /** The request's `Idempotency-Key`; names the refund through {@link outRefundNoFor}. */
  idempotencyKey?: string;
  /** The operator asking (http/operators.ts): the refund and the order's timeline record it. */
  operator?: string;
}

/** WeChat's final word on a refund: paid back, closed (the amount is free again), or CHANGE. */
export type RefundOutcome = Exclude<RefundStateAtWeChat, 'PROCESSING'>;

export interface RefundServiceDeps {
  orders: OrderStore;
  refunds: RefundStore;
  anomalies: AnomalyStore;
  claims: ClaimStore;
  wechat: WeChatGateway;
  clock: Clock;
  withOrderLock: WithOrderLock;
  refundNotifyUrl: string;
}

/**
 * Refunds: the amount is reserved on the order atomically before WeChat is called (never more
 * than was paid), every step is keyed by out_refund_no (so retries are idempotent here and at
 * WeChat), and completion moves the order to PARTIALLY_REFUNDED / REFUNDED exactly once.
 */
export function createRefundService(deps: RefundServiceDeps) {
  const { orders, refunds, anomalies, claims, wechat, clock, withOrderLock } = deps;

  async function reserve(order: OrderRecord, refund: RefundDoc, log: Logger): Promise<OrderRecord> {
    if (order.refundsReserved.includes(refund.outRefundNo)) return order;
    const reserved = await orders.reserveRefund(order, refund.outRefundNo, refund.amountFen, {
      at: clock.now(),
      kind: 'REFUND_REQUESTED',
      detail: `${refund.amountFen} fen (${refund.outRefundNo})${refund.requestedBy ? ` by ${refund.requestedBy}` : ''}`,
    });
    if (reserved) return reserved;
    const current = (await orders.findById(order._id.toHexString())) ?? order;
    if (current.refundsReserved.includes(refund.outRefundNo)) return current; // a concurrent retry
    const refusal =
      current.status === 'PAID' || current.status === 'PARTIALLY_REFUNDED'
        ? appError(
            'REFUND_EXCEEDS_PAID',
            `at most ${current.totalFen - current.refundReservedFen} fen can still be refunded`,
          )
        : appError('ORDER_NOT_REFUNDABLE', `the order is ${current.status}`);
    await refunds.complete(refund.outRefundNo, 'CLOSED', {
      completedAt: clock.now(),
      lastError: refusal.message,
    });
    log.info({ outRefundNo: refund.outRefundNo, reason: refusal.message }, 'refund refused');
    throw refusal;
  }

  /** Sends the refund to WeChat unless it already accepted it. */
  async function submit(order: OrderRecord, refund: RefundDoc, log: Logger): Promise<void> {
    if (refund.acceptedAt || refund.status !== 'PROCESSING') return;
    try {
      // With the appid the order was placed with: WeChat knows the order under that one.
      const { refundId } = await wechat.refund(
        {
          outTradeNo: order.outTradeNo,
          outRefundNo: refund.outRefundNo,
          totalFen: order.totalFen,
          refundFen: refund.amountFen,
          // WeChat takes at most 80 characters of reason.
          ...(refund.reason ? { reason: refund.reason.slice(0, 80) } : {}),
          notifyUrl: deps.refundNotifyUrl,
        },
        order.appId,
      );
      await refunds.markAccepted(refund.outRefundNo, refundId, clock.now());
      log.info({ outRefundNo: refund.outRefundNo, refundId }, 'refund accepted');
    } catch (err) {
      const detail = describeWeChatFailure(err);
      log.warn({ outRefundNo: refund.outRefundNo, detail }, 'refund request failed');
      if (isTransientWeChatFailure(err)) {
        // Unknown whether WeChat has it: stay PROCESSING with the amount reserved; a retry with
        // the same out_refund_no or the reconciliation job (refundquery) settles it. The answer
        // names the refund, so the operator retries it instead of starting a second one.
        await refunds.note(refund.outRefundNo, { lastError: detail });
        throw appError(
          'WECHAT_UNAVAILABLE',
          `WeChat could not take refund ${refund.outRefundNo} right now; it stays PROCESSING ` +
            'with its amount reserved: retry with the same Idempotency-Key or outRefundNo',
          { cause: err },
        );
      }
      await finish(refund, 'REFUNDCLOSE', { detail }, log);
      throw weChatCallFailed('refund', err);
    }
  }

  /**
   * Applies WeChat's final word on a refund, once (notification, refundquery, or a refusal).
   * The outcome is claimed first, so two processes reporting it never both apply it; applying
   * is idempotent (keyed by out_refund_no), so a claim left half-done is finished by the next
   * report. Callers hold the order lock.
   */
  async function finish(
    refund: RefundDoc,
    outcome: RefundOutcome,
    info: { refundId?: string; detail?: string },
    log: Logger,
  ): Promise<void> {
    const key = `refund-final:${refund.outRefundNo}`;
    const claim = await claims.claim(key, { outcome, ...info }, clock.now());
    if (claim.applied) return;
    await applyFinal(refund, claim.change.outcome, claim.change, log);
    await claims.markApplied(key, clock.now());
  }

  async function applyFinal(
    refund: RefundDoc,
    outcome: RefundOutcome,
    info: { refundId?: string; detail?: string },
    log: Logger,
  ): Promise<void> {
    const now = clock.now();
    if (outcome === 'SUCCESS') {
      const settled = await orders.settleRefund(
        refund.orderId,
        refund.outRefundNo,
        refund.amountFen,
        {
          at: now,
          kind: 'REFUNDED',
          detail: `${refund.amountFen} fen (${refund.outRefundNo})`,
        },
      );
      if (!settled.order?.refundsSettled.includes(refund.outRefundNo)) {
        await anomalies.record(
          {
            dedupeKey: `UNRESERVED_REFUND:${refund.outRefundNo}`,
            kind: 'UNKNOWN_REFUND',
            outTradeNo: refund.outTradeNo,
            orderId: refund.orderId,
            detail: 'WeChat completed a refund that was never reserved on the order',
            data: { outRefundNo: refund.outRefundNo },
          },
          now,
        );
        return;
      }
      await refunds.complete(refund.outRefundNo, 'SUCCESS', {
        completedAt: now,
        ...(info.refundId ? { refundId: info.refundId } : {}),
      });
      if (settled.applied) log.info({ outRefundNo: refund.outRefundNo }, 'refund completed');
      return;
    }
    if (outcome === 'REFUNDCLOSE') {
      await orders.releaseRefund(refund.orderId, refund.outRefundNo, refund.amountFen, {
        at: now,
        kind: 'REFUND_FAILED',
        detail: `${refund.outRefundNo}: ${info.detail ?? 'closed'}`,
      });
      await refunds.complete(refund.outRefundNo, 'CLOSED', {
        completedAt: now,
        ...(info.detail ? { lastError: info.detail } : {}),
      });
      return;
    }
    // CHANGE: the money did not reach the payer (e.g. a closed bank card). Keep the amount
    // reserved and hand it to a human.
    await anomalies.record(
      {
        dedupeKey: `REFUND_CHANGE:${refund.outRefundNo}`,
        kind: 'UNKNOWN_REFUND',
        outTradeNo: refund.outTradeNo,
        orderId: refund.orderId,
        detail: 'WeChat reports the refund as CHANGE (refund anomaly): needs manual handling',
        data: { outRefundNo: refund.outRefundNo },
      },
      now,
    );
    await refunds.complete(refund.outRefundNo, 'CHANGE', { completedAt: now });
  }

  return {
    finish,

    /** POST /admin/orders/:id/refunds (idempotent by out_refund_no, which the caller names). */
    async create(
      orderId: string,
      input: CreateRefundInput,
      log: Logger,
    ): Promise<CreateRefundResponse> {
      const found = await orders.findById(orderId);
      if (!found) throw appError('NOT_FOUND', 'no such order');
      return withOrderLock(found.outTradeNo, () =>
        createLocked(found._id.toHexString(), input, log),
      );
    },

    /** refundquery for a refund stuck in PROCESSING (reconciliation job). */
    query(refund: RefundDoc, log: Logger): Promise<void> {
      return withOrderLock(refund.outTradeNo, () => queryLocked(refund, log));
    },

    /** The same, for a caller that already holds the order lock (a refund notification). */
    queryHeld: queryLocked,
  };

  async function createLocked(
    orderId: string,
    input: CreateRefundInput,
    log: Logger,
  ): Promise<CreateRefundResponse> {
    const order = await orders.findById(orderId);
    if (!order) throw appError('NOT_FOUND', 'no such order');
    const outRefundNo =
      input.outRefundNo ??
      (input.idempotencyKey ? outRefundNoFor(orderId, input.idempotencyKey) : undefined);
    if (!outRefundNo) {
      throw appError('VALIDATION_FAILED', 'a refund needs an Idempotency-Key or an outRefundNo');
    }
    let refund = await refunds.findByOutRefundNo(outRefundNo);
    if (!refund) {
      if (order.status !== 'PAID' && order.status !== 'PARTIALLY_REFUNDED') {
        throw appError('ORDER_NOT_REFUNDABLE', `the order is ${order.status}`);
      }
      if (input.amountFen > order.totalFen - order.refundReservedFen) {
        throw appError(
          'REFUND_EXCEEDS_PAID',
          `at most ${order.totalFen - order.refundReservedFen} fen can still be refunded`,
        );
      }
      refund =
        (await refunds.insert({
          outRefundNo,
          orderId: order._id,
          outTradeNo: order.outTradeNo,
          amountFen: input.amountFen,
          ...(input.reason ? { reason: input.reason } : {}),
          ...(input.operator ? { requestedBy: input.operator } : {}),
          status: 'PROCESSING',
          createdAt: clock.now(),
        })) ?? (await refunds.findByOutRefundNo(outRefundNo));
      if (!refund) throw new Error(`refund ${outRefundNo} vanished after insert`);
    }
    if (!refund.orderId.equals(order._id) || refund.amountFen !== input.amountFen) {
      throw appError('CONFLICT', `out_refund_no ${outRefundNo} was used for a different refund`);
    }
    log.info(
      {
        outRefundNo,
        amountFen: input.amountFen,
        operator: input.operator,
        requestedBy: refund.requestedBy,
      },
      'refund requested',
    );
    let current = order;
    if (refund.status === 'PROCESSING') {
      current = await reserve(order, refund, log);
      await submit(current, refund, log);
    }
    const latest = (await refunds.findByOutRefundNo(outRefundNo)) ?? refund;
    const latestOrder = (await orders.findById(orderId)) ?? current;
    return { order: toApiOrder(latestOrder), refund: toApiRefund(latest) };
  }

  async function queryLocked(given: RefundDoc, log: Logger): Promise<void> {
    const refund = (await refunds.findByOutRefundNo(given.outRefundNo)) ?? given;
    if (refund.status !== 'PROCESSING') return;
    const now = clock.now();
    let atWeChat: WeChatRefund | undefined;
    try {
      const order = await orders.findById(refund.orderId.toHexString());
      atWeChat = await wechat.queryRefund(refund.outRefundNo, order?.appId);
    } catch (err) {
      const detail = describeWeChatFailure(err);
      await refunds.note(refund.outRefundNo, {
        lastQueriedAt: now,
        lastError: detail,
      });
      // WeChat never accepted it: treat it as failed and give the amount back.
      if (failureReason(err) === 'REFUND_NOT_FOUND') {
        await finish(refund, 'REFUNDCLOSE', { detail }, log);
        return;
      }
      throw err;
    }
    await refunds.note(refund.outRefundNo, { lastQueriedAt: now });
    if (atWeChat?.outRefundNo === refund.outRefundNo && atWeChat.state !== 'PROCESSING') {
      const { refundId } = atWeChat;
      await finish(refund, atWeChat.state, refundId ? { refundId } : {}, log);
    }
  }
}

export type RefundService = ReturnType<typeof createRefundService>;
