import type { Sandbox } from '@fen/wx-sandbox';
import type { Pacer } from './pacer.js';
import { mapPool, sleep } from './pool.js';
import type { ServerProcess } from './server-process.js';
import type { PlacedOrder, Shoppers } from './shoppers.js';
import type { OrderFate, StormPlan } from './storm-plan.js';
import { waveFaults } from './storm-plan.js';
import type { StormTimings } from './report.js';

export interface StormRun {
  fates: Map<string, OrderFate>;
  /** When the last payment was made (Date.now()). */
  lastPaymentAt: number;
  stormMs: number;
  kills: StormTimings['kills'];
  /** Payments the sandbox refused that should have been refused (a closed order). */
  refusedOnClosed: number;
}

/**
 * The sandbox's payment notifications not delivered (nor given up) yet, and of those the ones
 * not even attempted yet (paid a moment ago, their first POST still to come). Records are kept in
 * creation order and settle roughly in order, so counting starts at the oldest one still
 * pending; the answer is cached briefly because every shopper asks before each payment.
 */
export function notificationGauge(sandbox: Sandbox) {
  let oldestPending = 0;
  let cached = { undelivered: 0, notAttempted: 0 };
  let cachedAt = 0;
  const read = (): { undelivered: number; notAttempted: number } => {
    if (Date.now() - cachedAt < 10) return cached;
    const records = sandbox.notifications();
    while (oldestPending < records.length && records[oldestPending]?.state !== 'PENDING')
      oldestPending += 1;
    const counts = { undelivered: 0, notAttempted: 0 };
    for (let i = oldestPending; i < records.length; i += 1) {
      const record = records[i];
      if (record?.kind !== 'payment' || record.state !== 'PENDING') continue;
      counts.undelivered += 1;
      if (record.attempts.length === 0) counts.notAttempted += 1;
    }
    cached = counts;
    cachedAt = Date.now();
    return counts;
  };
  /** A payment just made: counted at once, so shoppers reading the cache do not overshoot. */
  read.paid = () => {
    cached = { undelivered: cached.undelivered + 1, notAttempted: cached.notAttempted + 1 };
  };
  return read;
}

export async function runStorm(deps: {
  plan: StormPlan;
  fates: OrderFate[];
  tokens: string[];
  sandbox: Sandbox;
  shoppers: Shoppers;
  servers: ServerProcess[];
  /** How many notification POSTs the servers may have at once (see pacer.ts). */
  pacer: Pacer;
  log: (line: string) => void;
}): Promise<StormRun> {
  const { plan, fates, tokens, sandbox, shoppers, servers, pacer, log } = deps;
  const started = Date.now();
  const byNo = new Map<string, OrderFate>();
  const kills: StormTimings['kills'] = [];
  const killAt = plan.killsAt.map((share) => Math.floor(share * plan.paidOrders));
  const restarts: Promise<void>[] = [];
  let payments = 0;
  let refusedOnClosed = 0;
  let lastPaymentAt = started;
  let previous = { duplicated: [] as string[], dropped: [] as string[] };
  const notifications = notificationGauge(sandbox);
  // Notifications about to be POSTed or being answered: what the servers have on their plate.
  const load = () => notifications().notAttempted + pacer.inFlight();

  function killOne(): void {
    const server = servers[kills.length % servers.length] as ServerProcess;
    const kill = { server: server.name, atPayment: payments, downMs: 0 };
    kills.push(kill);
    const downAt = Date.now();
    const restart = (async () => {
      await server.kill();
      await sleep(plan.downtimeMs);
      await server.start();
      kill.downMs = Date.now() - downAt;
      log(
        `[storm] ${server.name} SIGKILLed at payment ${kill.atPayment}, back after ${kill.downMs} ms`,
      );
    })();
    // Awaited (and so rethrown) after the last wave; handled here so it is not "unhandled" before.
    restart.catch(() => undefined);
    restarts.push(restart);
  }

  async function act(order: PlacedOrder, fate: OrderFate): Promise<void> {
    switch (fate) {
      case 'pay': {
        while (load() >= pacer.cap()) await sleep(5);
        const paid = sandbox.pay(order.prepayId, 'success');
        notifications.paid();
        if (paid.trade_state !== 'SUCCESS')
          throw new Error(`pay ${order.outTradeNo}: ${paid.trade_state}`);
        payments += 1;
        lastPaymentAt = Date.now();
        if (killAt.includes(payments)) killOne();
        return;
      }
      case 'payer-cancels':
        sandbox.pay(order.prepayId, 'cancel');
        return;
      case 'insufficient-funds':
        sandbox.pay(order.prepayId, 'insufficient_funds');
        return;
      case 'never-paid':
        return;
      case 'cancelled-by-api': {
        const status = await shoppers.cancel(order);
        if (status !== 'CLOSED') throw new Error(`cancel ${order.outTradeNo}: ${status}`);
        // The payer comes back to the cashier too late: WeChat must refuse.
        try {
          sandbox.pay(order.prepayId, 'success');
        } catch (error) {
          if (error instanceof Error && error.message.startsWith('ORDER_CLOSED')) {
            refusedOnClosed += 1;
            return;
          }
          throw error;
        }
        throw new Error(`WeChat took a payment for closed order ${order.outTradeNo}`);
      }
    }
  }

  const waves = Math.ceil(fates.length / plan.waveSize);
  /** Places one wave's orders: `[order, fate]` pairs, in index order. */
  const place = async (wave: number) => {
    const first = wave * plan.waveSize;
    const indexes = Array.from(
      { length: Math.min(plan.waveSize, fates.length - first) },
      (_, i) => first + i,
    );
    const orders = await mapPool(indexes, plan.createConcurrency, (index) =>
      shoppers.placeOrder(tokens[index % tokens.length] as string, index),
    );
    return orders.map((order, i) => [order, fates[first + i] as OrderFate] as const);
  };

  // A pipeline: the next wave is placed while this one is paid, as shoppers keep arriving.
  let placing = place(0);
  for (let wave = 0; wave < waves; wave += 1) {
    const waveStarted = Date.now();
    const placed = await placing;
    if (wave + 1 < waves) {
      placing = place(wave + 1);
      placing.catch(() => undefined); // awaited next round; handled here so it is not "unhandled"
    }
    const current = { duplicated: [] as string[], dropped: [] as string[] };
    let payable = 0;
    for (const [order, fate] of placed) {
      byNo.set(order.outTradeNo, fate);
      if (fate !== 'pay') continue;
      // Spread the chosen ones evenly: k × share crosses an integer once per chosen order.
      const k = payable++;
      if (Math.floor((k + 1) * plan.duplicatedShare) > Math.floor(k * plan.duplicatedShare))
        current.duplicated.push(order.outTradeNo);
      if (Math.floor((k + 1.5) * plan.droppedShare) > Math.floor((k + 0.5) * plan.droppedShare))
        current.dropped.push(order.outTradeNo);
    }
    // The previous wave's retries keep their faults while they run.
    sandbox.setFaults(
      waveFaults(
        wave,
        [...previous.duplicated, ...current.duplicated],
        [...previous.dropped, ...current.dropped],
      ),
    );
    previous = current;
    await mapPool(placed, plan.createConcurrency, ([order, fate]) => act(order, fate));
    log(
      `[storm] wave ${wave + 1}/${waves}: ${placed.length} orders acted on in ` +
        `${Date.now() - waveStarted} ms; ${payments} payments so far, ` +
        `${notifications().undelivered} undelivered, ${Math.round((Date.now() - started) / 1000)} s`,
    );
  }
  await Promise.all(restarts);
  return {
    fates: byNo,
    lastPaymentAt,
    stormMs: lastPaymentAt - started,
    kills,
    refusedOnClosed,
  };
}
