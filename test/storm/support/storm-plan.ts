import type { Faults } from '@fen/wx-sandbox';

/** What a shopper does with one order. */
export type OrderFate =
  'pay' | 'never-paid' | 'payer-cancels' | 'insufficient-funds' | 'cancelled-by-api';

/**
 * The size and tuning of one storm. CI runs the bounded size; `FEN_FULL=1` (`pnpm test:storm --
 * --full`) the full one. Tuning changes speed only: every check runs the same at both sizes.
 */
export interface StormPlan {
  label: 'ci' | 'full';
  /** Orders paid at WeChat: one notification each, before faults multiply it. */
  paidOrders: number;
  /** Orders that must never become PAID, by fate. */
  unpaid: Record<Exclude<OrderFate, 'pay'>, number>;
  /** Distinct payers (one session each); orders are spread over them. */
  users: number;
  /** Orders created, then paid, per wave; each wave gets its own fault lists. */
  waveSize: number;
  /** Concurrent `POST /api/orders` calls. */
  createConcurrency: number;
  /** SIGKILLs, at these fractions of the payments made. */
  killsAt: number[];
  /** How long a killed server stays down before it is started again (ms). */
  downtimeMs: number;
  /** The sandbox's delay multiplier (retry schedule: 15 s → 15 s × timeScale). */
  timeScale: number;
  /** How long an order can be paid; unpaid ones then expire and the job closes them. */
  orderTtlMinutes: number;
  /** The servers' reconciliation settings (env values). */
  reconcile: {
    intervalSeconds: number;
    pendingAfterSeconds: number;
    batchSize: number;
    leaseSeconds: number;
  };
  /** Share of each wave's paid orders whose notifications are duplicated / lose first attempts. */
  duplicatedShare: number;
  droppedShare: number;
  /** After the last payment: how long the storm may take to drain (ms). */
  drainTimeoutMs: number;
  /** The whole test's bound (ms). */
  testTimeoutMs: number;
}

const CI: StormPlan = {
  label: 'ci',
  paidOrders: 5_000,
  unpaid: {
    'never-paid': 50,
    'payer-cancels': 38,
    'insufficient-funds': 38,
    'cancelled-by-api': 25,
  },
  users: 40,
  waveSize: 500,
  createConcurrency: 8,
  killsAt: [0.5],
  downtimeMs: 300,
  timeScale: 0.1,
  orderTtlMinutes: 30,
  reconcile: { intervalSeconds: 2, pendingAfterSeconds: 30, batchSize: 200, leaseSeconds: 5 },
  duplicatedShare: 0.3,
  droppedShare: 0.2,
  drainTimeoutMs: 120_000,
  // Measured 3.3 min on this 2-core machine with FerretDB's GIN indexes (16 min before them);
  // the bound leaves room for a busy CI machine.
  testTimeoutMs: 600_000,
};

const FULL: StormPlan = {
  ...CI,
  label: 'full',
  paidOrders: 100_000,
  unpaid: {
    'never-paid': 1_000,
    'payer-cancels': 800,
    'insufficient-funds': 800,
    'cancelled-by-api': 600,
  },
  users: 500,
  waveSize: 1_000,
  killsAt: [0.33, 0.66],
  // 2,600 unpaid orders stay PENDING for 30 min: query each every 5 min, not every 30 s.
  reconcile: { ...CI.reconcile, pendingAfterSeconds: 300, batchSize: 500 },
  drainTimeoutMs: 30 * 60_000,
  testTimeoutMs: 6 * 3600_000,
};

/**
 * The plan for this run: full when FEN_FULL=1. `FEN_STORM_PAID_ORDERS` scales the paid orders
 * (and the unpaid ones with them) for measuring rates by hand; CI never sets it.
 */
export function stormPlan(env: Record<string, string | undefined> = process.env): StormPlan {
  const base = env.FEN_FULL === '1' ? FULL : CI;
  const paid = Number(env.FEN_STORM_PAID_ORDERS);
  if (!Number.isInteger(paid) || paid <= 0) return base;
  const scale = paid / base.paidOrders;
  const unpaid = Object.fromEntries(
    Object.entries(base.unpaid).map(([fate, count]) => [
      fate,
      Math.max(1, Math.round(count * scale)),
    ]),
  ) as StormPlan['unpaid'];
  // The cost grows faster than the size (every query scans its collection): so do the bounds.
  const slower = Math.max(1, scale ** 1.6);
  return {
    ...base,
    paidOrders: paid,
    unpaid,
    drainTimeoutMs: Math.round(base.drainTimeoutMs * slower),
    testTimeoutMs: Math.round(base.testTimeoutMs * slower),
  };
}

/**
 * The fate of every order, interleaved so unpaid orders are spread through the storm rather
 * than bunched at one end: index → fate.
 */
export function orderFates(plan: StormPlan): OrderFate[] {
  const unpaid: OrderFate[] = [];
  for (const [fate, count] of Object.entries(plan.unpaid) as [OrderFate, number][]) {
    for (let i = 0; i < count; i += 1) unpaid.push(fate);
  }
  const total = plan.paidOrders + unpaid.length;
  const fates: OrderFate[] = [];
  // Bresenham-style spread: place the k-th unpaid order at k × total / unpaid.length.
  let next = 0;
  for (let i = 0; i < total; i += 1) {
    const due = unpaid.length > 0 && Math.floor((next * total) / unpaid.length) === i;
    if (due && next < unpaid.length) fates.push(unpaid[next++] as OrderFate);
    else fates.push('pay');
  }
  return fates;
}

/**
 * The sandbox's faults while one wave is paid. `duplicated` / `dropped` name that wave's chosen
 * orders (and the previous wave's, whose retries are still running); duplicate copies go all at
 * once in even waves and one after another in odd ones.
 */
export function waveFaults(wave: number, duplicated: string[], dropped: string[]): Faults {
  return {
    latency: { '/pay/orderquery': 30, '/pay/unifiedorder': 5 },
    systemError: { paths: ['/pay/orderquery'], rate: 0.3 },
    dropFirstAttempts: { count: 2, kind: 'payment', outTradeNo: dropped },
    duplicateNotifications: {
      count: 1,
      concurrent: wave % 2 === 0,
      kind: 'payment',
      outTradeNo: duplicated,
    },
    notifyJitterMs: 200,
  };
}
