import type { BalancerStats } from './balancer.js';

const ROUTE = 'POST /wxpay/notify';

/**
 * How many notification POSTs the storm lets the servers have at once, adjusted every second
 * from their answers (additive increase, multiplicative decrease): the servers slow down as the
 * collections grow (every FerretDB query scans), and a fixed number that suits 500 orders makes
 * answers miss WeChat's 5 s timeout at 4,000 — then every notification is retried, the servers
 * keep working on POSTs nobody waits for, and the storm collapses (seen here: 40 PAID in 50 s).
 */
export function startPacer(stats: BalancerStats, limits = { min: 4, start: 24, max: 64 }) {
  let cap = limits.start;
  let seen = { count: 0, totalMs: 0 };
  const timer = setInterval(() => {
    const now = stats.answered[ROUTE] ?? { count: 0, totalMs: 0 };
    const count = now.count - seen.count;
    const meanMs = count > 0 ? (now.totalMs - seen.totalMs) / count : 0;
    seen = { count: now.count, totalMs: now.totalMs };
    if (count === 0) return;
    if (meanMs > 2_000) cap = Math.max(limits.min, Math.floor(cap * 0.7));
    else if (meanMs < 800) cap = Math.min(limits.max, cap + 2);
  }, 1_000);
  timer.unref();
  return {
    /** Notification POSTs being answered now. */
    inFlight: () => stats.inFlight[ROUTE] ?? 0,
    /** How many may be. */
    cap: () => cap,
    stop: () => clearInterval(timer),
  };
}

export type Pacer = ReturnType<typeof startPacer>;
