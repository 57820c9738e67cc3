import type { NotificationRecord, Sandbox } from '@fen/wx-sandbox';
import type { Connection } from 'mongoose';
import type { OrderFate } from './storm-plan.js';

type WeChatOrder = ReturnType<Sandbox['orders']>[number];

/** Paid as WeChat sees it (a refund happens only to a paid order). */
const isPaidAtWeChat = (order: WeChatOrder) =>
  order.trade_state === 'SUCCESS' || order.trade_state === 'REFUND';

/**
 * How many orders WeChat has paid that the database still has PENDING. Read through the PENDING
 * orders, which stay few: counting the PAID ones reads every paid order, and at 16,000 that took
 * FerretDB the whole 10 s between two progress lines, slowing the full storm's waves 34 → 68 s.
 */
export async function paidButPending(
  connection: Connection,
  sandbox: Pick<Sandbox, 'orders'>,
): Promise<number> {
  const orders = connection.db?.collection<{ outTradeNo: string }>('orders');
  if (!orders) throw new Error('not connected');
  const pending = await orders
    .find({ status: 'PENDING' }, { projection: { outTradeNo: 1 } })
    .toArray();
  const paid = new Set(
    sandbox
      .orders()
      .filter(isPaidAtWeChat)
      .map((order) => order.out_trade_no),
  );
  return pending.filter((order) => paid.has(order.outTradeNo)).length;
}

interface StoredOrder {
  outTradeNo: string;
  status: string;
  transactionId?: string;
  paidBy?: string;
  timeline: Array<{ kind: string }>;
}

interface StoredEvent {
  outTradeNo: string;
  dedupeKey: string;
  outcome: string;
  receivedCount: number;
}

interface StoredClaim {
  _id: string;
  change: { to?: string; source?: string };
}

/** One order that broke a rule, with what was seen — the failure message lists these. */
export interface Violation {
  outTradeNo: string;
  rule: string;
  seen: string;
}

export interface StormOutcome {
  /** Orders the storm placed, by what the shopper did. */
  placed: Record<OrderFate, number>;
  /** At WeChat (the sandbox): orders paid, and the rest. */
  paidAtWeChat: number;
  unpaidAtWeChat: number;
  /** In the database. */
  paidInDb: number;
  paidByNotification: number;
  paidByQuery: number;
  closedInDb: number;
  pendingInDb: number;
  /** Paid at WeChat but not PAID here (must be 0). */
  lost: number;
  /** Paid more than once: two PAID entries, two applied events, or a second decision (must be 0). */
  doubleApplied: number;
  /** PAID here though WeChat has no payment (must be 0). */
  paidWithoutPayment: number;
  anomalies: number;
  /** The sandbox's notification log. */
  notifications: number;
  delivered: number;
  gaveUp: number;
  stillPending: number;
  posts: number;
  duplicateCopiesSent: number;
  /** Copies acknowledged beyond the first acknowledgement of a notification: absorbed as no-ops. */
  duplicatesAbsorbed: number;
  /** Notifications that needed more than one attempt, and the retry attempts made. */
  notificationsRetried: number;
  retryAttempts: number;
  droppedAttempts: number;
  failedPosts: number;
  /** Failed POSTs by what went wrong: `FAIL <return_msg>`, `TIMEOUT`, `CONNECTION_ERROR`, `HTTP 502`. */
  failures: Record<string, number>;
  /** Deliveries the server stored as repeats of an event it already had (receivedCount − 1). */
  repeatsStored: number;
  violations: Violation[];
}

function failureReason(attempt: NotificationRecord['attempts'][number]): string {
  if (attempt.result !== 'FAIL') return attempt.result;
  if (attempt.http_status !== 200) return `HTTP ${attempt.http_status ?? '?'}`;
  const message = /<return_msg><!\[CDATA\[(.*?)\]\]>/.exec(attempt.reply ?? '')?.[1];
  return `FAIL ${message ?? '(no message)'}`;
}

function summarizeNotifications(records: NotificationRecord[]) {
  const out = {
    notifications: records.length,
    delivered: 0,
    gaveUp: 0,
    stillPending: 0,
    posts: 0,
    duplicateCopiesSent: 0,
    duplicatesAbsorbed: 0,
    notificationsRetried: 0,
    retryAttempts: 0,
    droppedAttempts: 0,
    failedPosts: 0,
    failures: {} as Record<string, number>,
  };
  for (const record of records) {
    if (record.state === 'DELIVERED') out.delivered += 1;
    else if (record.state === 'GAVE_UP') out.gaveUp += 1;
    else out.stillPending += 1;
    let acknowledged = 0;
    let lastAttempt = 0;
    for (const attempt of record.attempts) {
      lastAttempt = Math.max(lastAttempt, attempt.attempt);
      if (attempt.result === 'DROPPED') {
        out.droppedAttempts += 1;
        continue;
      }
      out.posts += 1;
      if (attempt.copy > 0) out.duplicateCopiesSent += 1;
      if (attempt.result === 'SUCCESS') acknowledged += 1;
      else {
        out.failedPosts += 1;
        const why = failureReason(attempt);
        out.failures[why] = (out.failures[why] ?? 0) + 1;
      }
    }
    out.duplicatesAbsorbed += Math.max(0, acknowledged - 1);
    if (lastAttempt > 1) {
      out.notificationsRetried += 1;
      out.retryAttempts += lastAttempt - 1;
    }
  }
  return out;
}

/**
 * Compares the two sources of truth order by order: WeChat's view (the sandbox: which orders it
 * took money for, with which transaction) and the database's (status, timeline, payment events,
 * the exit claim). Every paid order must be PAID exactly once by exactly one decision; every
 * unpaid one must not be PAID at all.
 */
export async function collectOutcome(
  connection: Connection,
  sandbox: Pick<Sandbox, 'orders' | 'notifications'>,
  fates: Map<string, OrderFate>,
): Promise<StormOutcome> {
  const db = connection.db;
  if (!db) throw new Error('not connected');
  const [orders, events, claims, anomalies] = await Promise.all([
    db
      .collection<StoredOrder>('orders')
      .find(
        {},
        { projection: { outTradeNo: 1, status: 1, transactionId: 1, paidBy: 1, timeline: 1 } },
      )
      .toArray(),
    db
      .collection<StoredEvent>('payment_events')
      .find(
        { kind: 'PAY_NOTIFY' },
        { projection: { outTradeNo: 1, dedupeKey: 1, outcome: 1, receivedCount: 1 } },
      )
      .toArray(),
    db.collection<StoredClaim>('claims').find({}).toArray(),
    db.collection('anomalies').countDocuments({}),
  ]);
  const byNo = new Map(orders.map((order) => [order.outTradeNo, order]));
  const eventsByNo = new Map<string, StoredEvent[]>();
  for (const event of events) {
    const list = eventsByNo.get(event.outTradeNo) ?? [];
    list.push(event);
    eventsByNo.set(event.outTradeNo, list);
  }
  const claimBySource = new Map(claims.map((claim) => [claim.change.source ?? '', claim]));
  const atWeChat = new Map(sandbox.orders().map((order) => [order.out_trade_no, order]));

  const violations: Violation[] = [];
  const flag = (outTradeNo: string, rule: string, seen: string) =>
    violations.push({ outTradeNo, rule, seen });
  const placed = {
    pay: 0,
    'never-paid': 0,
    'payer-cancels': 0,
    'insufficient-funds': 0,
    'cancelled-by-api': 0,
  } satisfies Record<OrderFate, number>;
  const tally = {
    paidAtWeChat: 0,
    unpaidAtWeChat: 0,
    paidByNotification: 0,
    paidByQuery: 0,
    lost: 0,
    doubleApplied: 0,
    paidWithoutPayment: 0,
  };

  for (const [outTradeNo, fate] of fates) {
    placed[fate] += 1;
    const wechat = atWeChat.get(outTradeNo);
    const order = byNo.get(outTradeNo);
    if (!wechat || !order) {
      flag(outTradeNo, 'known to both sides', `wechat=${Boolean(wechat)} db=${Boolean(order)}`);
      continue;
    }
    const applied = (eventsByNo.get(outTradeNo) ?? []).filter((e) => e.outcome === 'APPLIED');
    const paidEntries = order.timeline.filter((entry) => entry.kind === 'PAID').length;
    const paidAtWeChat = isPaidAtWeChat(wechat);
    if ((fate === 'pay') !== paidAtWeChat) {
      flag(outTradeNo, `WeChat state for a "${fate}" order`, wechat.trade_state);
    }
    if (!paidAtWeChat) {
      tally.unpaidAtWeChat += 1;
      if (order.status === 'PAID' || paidEntries > 0 || applied.length > 0) {
        tally.paidWithoutPayment += 1;
        flag(
          outTradeNo,
          'unpaid at WeChat, not PAID here',
          `${order.status}, ${applied.length} applied`,
        );
      }
      if (
        fate === 'cancelled-by-api' &&
        (order.status !== 'CLOSED' || wechat.trade_state !== 'CLOSED')
      ) {
        flag(
          outTradeNo,
          'cancelled: CLOSED on both sides',
          `db=${order.status} wechat=${wechat.trade_state}`,
        );
      }
      continue;
    }
    tally.paidAtWeChat += 1;
    if (order.status !== 'PAID') {
      tally.lost += 1;
      flag(outTradeNo, 'paid at WeChat, PAID here', order.status);
      continue;
    }
    if (order.transactionId !== wechat.transaction_id) {
      flag(
        outTradeNo,
        'the transaction WeChat made',
        `${order.transactionId} vs ${wechat.transaction_id}`,
      );
    }
    const byQuery = order.paidBy?.startsWith('QUERY:') ?? false;
    if (byQuery) tally.paidByQuery += 1;
    else tally.paidByNotification += 1;
    const decisions = applied.length + (byQuery ? 1 : 0);
    const claim = claimBySource.get(order.paidBy ?? '');
    if (paidEntries !== 1 || decisions !== 1 || claim?.change.to !== 'PAID') {
      tally.doubleApplied += 1;
      flag(
        outTradeNo,
        'one PAID entry, one applied decision, its claim',
        `${paidEntries} PAID entries, ${applied.length} applied events, paidBy=${order.paidBy}, claim=${claim?._id ?? 'none'}`,
      );
    } else if (applied[0] && applied[0].dedupeKey !== order.paidBy) {
      flag(
        outTradeNo,
        'the applied event is the one that paid',
        `${applied[0].dedupeKey} vs ${order.paidBy}`,
      );
    }
  }

  // A retried POST /api/orders (same Idempotency-Key) must never have made a second order.
  if (orders.length !== fates.size || atWeChat.size !== fates.size) {
    flag(
      '*',
      'one order per placed order',
      `${fates.size} placed, ${orders.length} in db, ${atWeChat.size} at WeChat`,
    );
  }
  const counted = (status: string) => orders.filter((order) => order.status === status).length;
  const payments = sandbox.notifications().filter((record) => record.kind === 'payment');
  return {
    placed,
    ...tally,
    paidInDb: counted('PAID'),
    closedInDb: counted('CLOSED'),
    pendingInDb: counted('PENDING'),
    anomalies,
    ...summarizeNotifications(payments),
    repeatsStored: events.reduce((sum, event) => sum + event.receivedCount - 1, 0),
    violations,
  };
}
