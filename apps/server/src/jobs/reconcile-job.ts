import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { OrderRecord, OrderStore } from '../stores/order-store.js';
import type { RefundStore } from '../stores/refund-store.js';
import type { OrderSync } from '../services/order-sync.js';
import type { WithOrderLock } from '../services/order-locks.js';
import type { RefundService } from '../services/refund-service.js';
import type { Lease } from './lease.js';
import { repeatingTimer } from './repeating-timer.js';

export interface ReconcileSettings {
  intervalSeconds: number;
  pendingAfterSeconds: number;
  refundAfterSeconds: number;
  batchSize: number;
  leaseSeconds: number;
}

export interface ReconcileReport {
  /** False when another process holds the lease (nothing was done here). */
  ran: boolean;
  queried: number;
  paid: number;
  closed: number;
  refundsChecked: number;
  errors: number;
}

const LEASE_NAME = 'reconcile';

/**
 * The reconciliation job (docs/pitfalls.md #5, #16): stale PENDING orders are asked about with
 * orderquery; expired ones are closed at WeChat first (ORDERPAID means paid), then here; refunds
 * stuck in PROCESSING are asked about with refundquery. Only the lease holder runs it, and every
 * change it makes is a conditional update, so several processes never apply one change twice.
 */
export function createReconcileJob(deps: {
  lease: Lease;
  orders: OrderStore;
  refunds: RefundStore;
  sync: OrderSync;
  refundService: RefundService;
  clock: Clock;
  withOrderLock: WithOrderLock;
  settings: ReconcileSettings;
  log: Logger;
}) {
  const { lease, orders, refunds, sync, refundService, clock, withOrderLock, settings } = deps;

  /** The freshest copy of the order, under its lock. */
  const locked = <T>(order: OrderRecord, work: (fresh: OrderRecord) => Promise<T>) =>
    withOrderLock(order.outTradeNo, async () =>
      work((await orders.findById(order._id.toHexString())) ?? order),
    );
  const owner = `${process.pid}-${randomUUID()}`;
  const log = deps.log.child({ job: 'reconcile', owner });
  let running: Promise<ReconcileReport> | undefined;
  let stopped = false;

  async function pass(): Promise<ReconcileReport> {
    const report: ReconcileReport = {
      ran: false,
      queried: 0,
      paid: 0,
      closed: 0,
      refundsChecked: 0,
      errors: 0,
    };
    if (!(await lease.acquire(LEASE_NAME, owner, settings.leaseSeconds * 1000))) return report;
    report.ran = true;
    const now = clock.now();
    const staleBefore = new Date(now.getTime() - settings.pendingAfterSeconds * 1000);
    for (const order of await orders.findStalePending(staleBefore, now, settings.batchSize)) {
      if (stopped) break;
      try {
        const result = await locked(order, (fresh) => sync.sync(fresh, log));
        report.queried += 1;
        if (result.order.status === 'PAID') report.paid += 1;
        if (result.order.status === 'CLOSED') report.closed += 1;
      } catch (err) {
        report.errors += 1;
        log.warn({ err, outTradeNo: order.outTradeNo }, 'reconcile: orderquery failed');
      }
    }
    for (const order of await orders.findExpiredPending(now, settings.batchSize)) {
      if (stopped) break;
      try {
        const result = await locked(order, (fresh) => sync.close(fresh, 'expired unpaid', log));
        if (result.status === 'PAID') report.paid += 1;
        if (result.status === 'CLOSED') report.closed += 1;
      } catch (err) {
        report.errors += 1;
        log.warn(
          { err, outTradeNo: order.outTradeNo },
          'reconcile: closing an expired order failed',
        );
      }
    }
    const refundBefore = new Date(now.getTime() - settings.refundAfterSeconds * 1000);
    for (const refund of await refunds.findStuckProcessing(refundBefore, settings.batchSize)) {
      if (stopped) break;
      try {
        await refundService.query(refund, log);
        report.refundsChecked += 1;
      } catch (err) {
        report.errors += 1;
        log.warn({ err, outRefundNo: refund.outRefundNo }, 'reconcile: refundquery failed');
      }
    }
    if (report.queried + report.closed + report.refundsChecked > 0)
      log.info(report, 'reconcile pass');
    return report;
  }

  /** One pass now (the tests' entry point); concurrent calls share the pass in flight. */
  function runOnce(): Promise<ReconcileReport> {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  }

  const timer = repeatingTimer(settings.intervalSeconds * 1000, runOnce, (err) =>
    log.error({ err }, 'reconcile pass failed'),
  );

  return {
    runOnce,
    start(): void {
      stopped = false;
      timer.start();
    },
    /** Stops scheduling, waits for a pass in flight, and hands the lease back. */
    async stop(): Promise<void> {
      stopped = true;
      timer.stop();
      await running?.catch(() => undefined);
      await lease.release(LEASE_NAME, owner).catch(() => undefined);
    },
  };
}

export type ReconcileJob = ReturnType<typeof createReconcileJob>;
