import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { appError } from '../errors.js';
import type { Logger } from '../logger.js';
import { beijingHour, beijingYesterday } from '../services/beijing-day.js';
import type { BillReconciliation } from '../services/bill-reconciliation.js';
import type { ReconciliationDoc } from '../stores/reconciliation-model.js';
import type { ReconciliationStore } from '../stores/reconciliation-store.js';
import type { Lease } from './lease.js';
import { repeatingTimer } from './repeating-timer.js';

export interface BillReconcileSettings {
  /** The Beijing hour from which yesterday's bill is fetched (WeChat: after 10:00). */
  hour: number;
  /** How often the job looks whether a day is due, in seconds. */
  checkSeconds: number;
  /** How long a run may hold the lease (it is released as soon as the run ends). */
  leaseMs: number;
}

export interface BillReconcileTick {
  /** True when this process reconciled a day on this tick. */
  ran: boolean;
  report?: ReconciliationDoc;
}

const LEASE_NAME = 'bill-reconcile';
/** A day the job found failed is tried again this long after (WeChat: "every half hour")… */
const RETRY_FAILED_AFTER_MS = 30 * 60_000;
/** …by the job, up to this many runs of that day in all; then it waits for an operator. */
const MAX_JOB_RUNS = 6;

/**
 * The daily bill reconciliation timer: once the configured Beijing hour has passed, yesterday is
 * reconciled — once, by whichever instance takes the lease (the same lease as the reconcile job,
 * under its own name), and not again once its report exists (operators re-run a day by hand),
 * unless the job's own run failed: then again every half hour, a bounded number of times.
 */
export function createBillReconcileJob(deps: {
  lease: Lease;
  reconciliation: BillReconciliation;
  reports: ReconciliationStore;
  clock: Clock;
  settings: BillReconcileSettings;
  log: Logger;
}) {
  const { lease, reconciliation, reports, clock, settings } = deps;
  const owner = `${process.pid}-${randomUUID()}`;
  const log = deps.log.child({ job: 'bill-reconcile', owner });
  let running: Promise<unknown> | undefined;
  let stopped = false;

  /** Runs `work` holding the lease; undefined when another instance holds it. */
  async function underLease<T>(work: () => Promise<T>): Promise<T | undefined> {
    if (!(await lease.acquire(LEASE_NAME, owner, settings.leaseMs))) return undefined;
    const run = work();
    running = run;
    try {
      return await run;
    } finally {
      running = undefined;
      await lease.release(LEASE_NAME, owner).catch(() => undefined);
    }
  }

  /**
   * The day due now, if any: yesterday, once the hour has passed, unless its report exists —
   * or exists as the job's `failed` run (a late bill, WeChat down) half an hour old, a few times.
   */
  async function due(): Promise<string | undefined> {
    const now = clock.now();
    if (beijingHour(now) < settings.hour) return undefined;
    const date = beijingYesterday(now);
    const report = await reports.find(date);
    if (!report) return date;
    const retry =
      report.status === 'failed' &&
      report.ranBy === 'job' &&
      report.runs < MAX_JOB_RUNS &&
      now.getTime() - report.finishedAt.getTime() >= RETRY_FAILED_AFTER_MS;
    return retry ? date : undefined;
  }

  /** One look at the clock (the timer's step; tests call it with a moved clock). */
  async function tick(): Promise<BillReconcileTick> {
    if (stopped || !(await due())) return { ran: false };
    const report = await underLease(async () => {
      // Asked again under the lease: another instance may have just finished the day.
      const date = await due();
      return date ? reconciliation.run(date, 'job', log) : undefined;
    });
    return report ? { ran: true, report } : { ran: false };
  }

  const timer = repeatingTimer(settings.checkSeconds * 1000, tick, (err) =>
    log.error({ err }, 'bill reconciliation tick failed'),
  );

  return {
    tick,
    /** The latest day that may be reconciled (yesterday, Beijing time, by the server's clock). */
    latestDay: () => beijingYesterday(clock.now()),
    /** An operator's run of one day now; CONFLICT while another run holds the lease. */
    async runNow(date: string, operator: string, requestLog: Logger): Promise<ReconciliationDoc> {
      const report = await underLease(() => reconciliation.run(date, operator, requestLog));
      if (!report) {
        throw appError('CONFLICT', 'a bill reconciliation is running now: try again in a minute');
      }
      return report;
    },
    start(): void {
      stopped = false;
      timer.start();
    },
    /** Stops scheduling and waits for a run in flight (which releases the lease). */
    async stop(): Promise<void> {
      stopped = true;
      timer.stop();
      await running?.catch(() => undefined);
    },
  };
}

export type BillReconcileJob = ReturnType<typeof createBillReconcileJob>;
