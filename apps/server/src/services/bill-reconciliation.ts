import type {
  ReconciliationAction,
  ReconciliationDifference,
  ReconciliationStatus,
  ReconciliationTotals,
} from '@fen/contracts';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { AnomalyStore } from '../stores/anomaly-store.js';
import type { BillLedgerStore } from '../stores/bill-ledger-store.js';
import type { ReconciliationDoc } from '../stores/reconciliation-model.js';
import type { ReconciliationStore } from '../stores/reconciliation-store.js';
import type { RefundStore } from '../stores/refund-store.js';
import type { OrderStore } from '../stores/order-store.js';
import type { FundFlowBill } from '../wechat/fund-flow-bill.js';
import type { WeChatGateway } from '../wechat/gateway.js';
import { beijingDayRange } from './beijing-day.js';
import { downloadTradeBill, errorText } from './bill-download.js';
import type { BillRetrySettings } from './bill-download.js';
import { isAboutBillRow, matchBill } from './bill-matching.js';
import type { FoundDifference } from './bill-matching.js';
import type { OrderSync } from './order-sync.js';
import type { WithOrderLock } from './order-locks.js';
import type { RefundService } from './refund-service.js';

/**
 * One day's bill reconciliation (对账, docs/server.md): download the trade bill, read every row,
 * match it against Fen, and only then act — a PENDING order WeChat was paid for is repaired
 * through orderquery (the sync path: exactly once), a PROCESSING refund through refundquery,
 * and everything else becomes an anomaly for a human (one per difference, however often the
 * day is run). The day's report is replaced by each run; the repairs an earlier run made stay in
 * it, so running a day again gives the same report.
 */
export function createBillReconciliation(deps: {
  wechat: Pick<WeChatGateway, 'tradeBill' | 'fundFlowBill'>;
  api: 'v2' | 'v3';
  ledger: BillLedgerStore;
  orders: OrderStore;
  refunds: RefundStore;
  reports: ReconciliationStore;
  anomalies: AnomalyStore;
  sync: OrderSync;
  refundService: RefundService;
  withOrderLock: WithOrderLock;
  clock: Clock;
  retry: BillRetrySettings;
}) {
  const { ledger, anomalies, clock } = deps;

  /** Applies what WeChat's query can repair; what it cannot becomes an anomaly. */
  async function act(
    found: FoundDifference,
    log: Logger,
  ): Promise<{ action: ReconciliationAction; detail: string }> {
    const repair = found.repair;
    if (!repair) return { action: 'ANOMALY', detail: found.detail };
    try {
      if ('order' in repair) {
        const result = await deps.withOrderLock(repair.order.outTradeNo, async () => {
          const fresh =
            (await deps.orders.findById(repair.order._id.toHexString())) ?? repair.order;
          return deps.sync.sync(fresh, log);
        });
        if (result.order.status !== 'PENDING' && result.order.status !== 'CLOSED') {
          return {
            action: 'REPAIRED',
            detail: `${found.detail}; orderquery: ${result.atWeChat}, now ${result.order.status}`,
          };
        }
        return {
          action: 'REPAIR_FAILED',
          detail: `${found.detail}; orderquery: ${result.atWeChat}, still ${result.order.status}`,
        };
      }
      await deps.refundService.query(repair.refund, log);
      const now = await deps.refunds.findByOutRefundNo(repair.refund.outRefundNo);
      return now?.status === 'SUCCESS'
        ? { action: 'REPAIRED', detail: `${found.detail}; refundquery: now SUCCESS` }
        : {
            action: 'REPAIR_FAILED',
            detail: `${found.detail}; refundquery: still ${now?.status ?? 'unknown'}`,
          };
    } catch (err) {
      return {
        action: 'REPAIR_FAILED',
        detail: `${found.detail}; the query failed: ${errorText(err)}`,
      };
    }
  }

  async function recordAnomaly(
    date: string,
    difference: ReconciliationDifference,
    found?: FoundDifference,
  ) {
    const order = found?.repair && 'order' in found.repair ? found.repair.order : undefined;
    const data: Record<string, string> = { date, difference: difference.kind };
    for (const name of [
      'transactionId',
      'outRefundNo',
      'billFen',
      'fenFen',
      'statusHere',
    ] as const) {
      if (difference[name] !== undefined) data[name] = String(difference[name]);
    }
    await anomalies.record(
      {
        dedupeKey: `BILL:${date}:${difference.key}`,
        kind: 'BILL_DIFFERENCE',
        outTradeNo: difference.outTradeNo,
        ...(order ? { orderId: order._id } : {}),
        detail: `bill of ${date}: ${difference.detail}`,
        data,
      },
      clock.now(),
    );
  }

  /**
   * What Fen holds for the day, after the repairs: orders paid that day, and refunds that are
   * SUCCESS here and either in the bill or asked and completed that day.
   */
  async function fenTotals(
    day: { from: Date; to: Date },
    billRefunds: Array<{ outRefundNo: string }>,
  ): Promise<ReconciliationTotals> {
    const paid = await ledger.paidBetween(day.from, day.to);
    const refunded = new Map(
      (await ledger.refundedWithin(day.from, day.to)).map((r) => [r.outRefundNo, r.amountFen]),
    );
    for (const row of billRefunds) {
      const refund = await ledger.refundFor(row.outRefundNo);
      if (refund?.status === 'SUCCESS') refunded.set(refund.outRefundNo, refund.amountFen);
    }
    return {
      payments: paid.length,
      paymentsFen: paid.reduce((sum, o) => sum + o.totalFen, 0),
      refunds: refunded.size,
      refundsFen: [...refunded.values()].reduce((sum, fen) => sum + fen, 0),
    };
  }

  async function fundFlow(date: string): Promise<ReconciliationDoc['fundFlow']> {
    try {
      const bill: FundFlowBill = await deps.wechat.fundFlowBill(date);
      return bill;
    } catch (err) {
      return { state: 'failed', detail: errorText(err) };
    }
  }

  /** Runs (or re-runs) one day, `YYYY-MM-DD` (a real, past Beijing day: the caller checks). */
  async function run(date: string, ranBy: string, parentLog: Logger): Promise<ReconciliationDoc> {
    const log = parentLog.child({ job: 'bill-reconcile', date });
    const day = beijingDayRange(date);
    if (!day) throw new Error(`not a day: ${date}`);
    const startedAt = clock.now();
    const previous = await deps.reports.find(date);
    // What earlier runs repaired stays in the report: the row agrees now because of them.
    const repairedBefore = (previous?.differences ?? []).filter((d) => d.action === 'REPAIRED');

    const download = await downloadTradeBill(deps.wechat, date, deps.retry, log);
    const bill =
      download.ok && download.bill.exists ? download.bill : { payments: [], refunds: [] };
    const found = download.ok ? await matchBill(bill, ledger, day) : [];

    const differences: ReconciliationDifference[] = [];
    for (const difference of found) {
      const { repair: _repair, ...about } = difference;
      const outcome = await act(difference, log);
      const recorded = { ...about, ...outcome };
      differences.push(recorded);
      if (outcome.action !== 'REPAIRED') await recordAnomaly(date, recorded, difference);
    }
    const keys = new Set(differences.map((d) => d.key));
    differences.push(...repairedBefore.filter((d) => !keys.has(d.key)));

    const rows = bill.payments.length + bill.refunds.length;
    const rowsDiffering = new Set(
      differences.filter((d) => isAboutBillRow(d.kind)).map((d) => d.key),
    ).size;
    let status: ReconciliationStatus;
    if (!download.ok) status = 'failed';
    else if (differences.length > 0) status = 'differences';
    else status = download.bill.exists ? 'matched' : 'no-bill';

    const report = await deps.reports.save({
      date,
      status,
      api: deps.api,
      rows,
      rowsMatched: Math.max(0, rows - rowsDiffering),
      totals: {
        bill: {
          payments: bill.payments.length,
          paymentsFen: bill.payments.reduce((sum, p) => sum + p.totalFen, 0),
          refunds: bill.refunds.length,
          refundsFen: bill.refunds.reduce((sum, r) => sum + r.refundedFen, 0),
          feesFen: [...bill.payments, ...bill.refunds].reduce((sum, r) => sum + r.feeFen, 0),
        },
        fen: await fenTotals(day, bill.refunds),
      },
      fundFlow: download.ok
        ? await fundFlow(date)
        : { state: 'not-available', detail: 'the trade bill failed' },
      differences,
      ...(download.ok ? {} : { error: download.error }),
      attempts: download.attempts,
      ranBy,
      startedAt,
      finishedAt: clock.now(),
    });
    const summary = {
      status,
      rows,
      differences: differences.length,
      attempts: download.attempts,
      ranBy,
    };
    if (status === 'failed')
      log.error({ ...summary, error: report.error }, 'bill reconciliation failed');
    else log.info(summary, 'bill reconciliation done');
    return report;
  }

  return { run };
}

export type BillReconciliation = ReturnType<typeof createBillReconciliation>;
