import type { BalancerStats } from './balancer.js';
import type { StormOutcome } from './outcomes.js';
import type { StormPlan } from './storm-plan.js';

export interface StormTimings {
  /** From the first order to the last payment (ms). */
  stormMs: number;
  /** From the last payment until every paid order was PAID in the database (ms). */
  drainMs: number;
  /** From the last payment until the sandbox had no undelivered notification (ms), if it got there. */
  quietMs?: number;
  kills: Array<{ server: string; atPayment: number; downMs: number }>;
}

const n = (value: number) => value.toLocaleString('en-US');
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The storm's figures as a two-column table, for the console. */
export function stormTable(
  plan: StormPlan,
  database: string,
  outcome: StormOutcome,
  timings: StormTimings,
  balancer: BalancerStats,
  seen: { apiRetries: number; systemErrors: number },
): string {
  const rows: Array<[string, string]> = [
    [
      'size',
      `${plan.label}: ${n(plan.paidOrders)} paid + ${n(outcome.unpaidAtWeChat)} unpaid orders`,
    ],
    ['database', database],
    ['paid at WeChat / PAID in db', `${n(outcome.paidAtWeChat)} / ${n(outcome.paidInDb)}`],
    [
      '  by notification / by orderquery',
      `${n(outcome.paidByNotification)} / ${n(outcome.paidByQuery)}`,
    ],
    ['unpaid: CLOSED / PENDING in db', `${n(outcome.closedInDb)} / ${n(outcome.pendingInDb)}`],
    ['notifications (payment)', n(outcome.notifications)],
    ['  delivered', n(outcome.delivered)],
    ['  gave up (16 attempts)', n(outcome.gaveUp)],
    ['  still retrying at the end', n(outcome.stillPending)],
    ['POSTs to notify_url', n(outcome.posts)],
    ['  duplicate copies sent', n(outcome.duplicateCopiesSent)],
    ['  duplicates absorbed (acked, no-op)', n(outcome.duplicatesAbsorbed)],
    ['  repeats stored by the server', n(outcome.repeatsStored)],
    ['  failed (FAIL/timeout/cut off)', n(outcome.failedPosts)],
    ['  failed by reason', JSON.stringify(outcome.failures)],
    ['attempts dropped (fault)', n(outcome.droppedAttempts)],
    [
      'retries needed',
      `${n(outcome.notificationsRetried)} notifications, ${n(outcome.retryAttempts)} retries`,
    ],
    ['lost (must be 0)', n(outcome.lost)],
    ['double-applied (must be 0)', n(outcome.doubleApplied)],
    ['paid without payment (must be 0)', n(outcome.paidWithoutPayment)],
    ['anomalies recorded', n(outcome.anomalies)],
    ['server 5xx answers', JSON.stringify(balancer.upstream5xx)],
    ...Object.entries(balancer.answered)
      .filter(([route]) => route.startsWith('POST'))
      .map(([route, a]): [string, string] => [
        `  ${route}`,
        `${n(a.count)} answered, mean ${Math.round(a.totalMs / a.count)} ms, max ${Math.round(a.maxMs)} ms`,
      ]),
    ['cut off by a kill / failed over', `${n(balancer.cutOff)} / ${n(balancer.failedOver)}`],
    ['API calls retried by shoppers', n(seen.apiRetries)],
    ['orderquery SYSTEMERRORs met', n(seen.systemErrors)],
    ['requests per server', JSON.stringify(balancer.byUpstream)],
    [
      'SIGKILLs',
      timings.kills
        .map((k) => `${k.server} at payment ${n(k.atPayment)} (down ${s(k.downMs)})`)
        .join('; '),
    ],
    ['storm (orders + payments)', s(timings.stormMs)],
    ['time to drain (all PAID in db)', s(timings.drainMs)],
    [
      'time to quiet (no notification left)',
      timings.quietMs === undefined ? 'not reached' : s(timings.quietMs),
    ],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const line = '─'.repeat(width + 2);
  return [
    `┌${line}┬${'─'.repeat(40)}`,
    ...rows.map(([label, value]) => `│ ${label.padEnd(width)} │ ${value}`),
    `└${line}┴${'─'.repeat(40)}`,
  ].join('\n');
}
