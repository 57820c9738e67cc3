// HTTP cases, each against its ceiling, back to back on the same stack (100 connections):
//   POST /api/orders   vs the sandbox's POST /pay/unifiedorder alone
//   POST /wxpay/notify vs a bare Koa endpoint doing only the conditional findOneAndUpdate
// Results are checked against the database, not only the status codes.
import { randomBytes } from 'node:crypto';
import { formatWxTime, nonceStr, signV2, toXml } from '@fen/wxpay';
import { openIdFor } from '@fen/wx-sandbox';
import { MERCHANT, notificationFields, notificationXml } from './lib/fixtures.mjs';
import { bodiesFrom, fire } from './lib/load.mjs';
import { sampleRss } from './lib/processes.mjs';
import { startStack } from './lib/stack.mjs';

const CEILING_COLLECTION = 'bench_ceiling_orders';
const USERS = 20;
/** More bodies than the sandbox could take in the time given, so no run can run out. */
const MAX_RPS = 12_000;
const SUCCESS_REPLY =
  '<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>';

function expect(condition, message) {
  if (!condition) throw new Error(`http bench: ${message}`);
}

async function postJson(url, body, token) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const json = await response.json();
  expect(response.ok, `POST ${url} answered ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

/** Logs `USERS` sandbox users in through the server; returns their session tokens. */
async function sessionTokens(stack) {
  const tokens = [];
  for (let i = 0; i < USERS; i += 1) {
    const { code } = await postJson(`${stack.sandbox.url}/__sandbox/login-code`, {
      appid: MERCHANT.appId,
      user: `bench-user-${i}`,
    });
    tokens.push((await postJson(`${stack.server.url}/api/session`, { code })).token);
  }
  return tokens;
}

/** `count` distinct unifiedorder bodies, signed, shaped like the ones the server sends. */
function unifiedOrderBodies(count, priceFen, notifyUrl) {
  const now = new Date();
  const timeStart = formatWxTime(now);
  const timeExpire = formatWxTime(new Date(now.getTime() + 30 * 60_000));
  const run = randomBytes(4).toString('hex');
  const bodies = new Array(count);
  for (let i = 0; i < count; i += 1) {
    const fields = {
      appid: MERCHANT.appId,
      mch_id: MERCHANT.mchId,
      nonce_str: nonceStr(),
      body: 'Fen-Jasmine tea',
      out_trade_no: `BENCH${run}${String(i).padStart(10, '0')}`,
      total_fee: String(priceFen),
      spbill_create_ip: '127.0.0.1',
      notify_url: notifyUrl,
      trade_type: 'JSAPI',
      openid: openIdFor(MERCHANT.appId, `bench-user-${i % USERS}`),
      time_start: timeStart,
      time_expire: timeExpire,
      sign_type: 'MD5',
    };
    bodies[i] = toXml({ ...fields, sign: signV2(fields, MERCHANT.key) });
  }
  return bodies;
}

/**
 * Requests in flight when autocannon stops (or gives up on) are still finished by the server:
 * wait until `count()` stops changing for a second (at most 30 s).
 */
async function settle(count) {
  const deadline = Date.now() + 30_000;
  let last = await count();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const now = await count();
    if (now === last) return now;
    last = now;
  }
  return last;
}

async function sandboxPendingCount(sandboxUrl) {
  const response = await fetch(`${sandboxUrl}/__sandbox/orders?limit=1`);
  const { orders } = await response.json();
  return orders.filter((order) => order.trade_state === 'NOTPAY').length;
}

/** The create-order pair: the sandbox's unifiedorder alone, then POST /api/orders. */
async function createOrderCase(stack, plan, tokens, rss) {
  const product = { id: 'jasmine-tea', priceFen: 990 };
  const unifiedUrl = `${stack.sandbox.url}/pay/unifiedorder`;
  const notifyUrl = `${stack.server.url}/wxpay/notify`;
  const poolSize = Math.ceil((plan.httpSeconds + plan.warmupSeconds) * MAX_RPS);
  const bodies = bodiesFrom(unifiedOrderBodies(poolSize, product.priceFen, notifyUrl));
  const ceilingRun = (duration) =>
    fire({
      url: unifiedUrl,
      duration,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'text/xml' },
          setupRequest: bodies.setupRequest,
        },
      ],
    });
  await ceilingRun(plan.warmupSeconds);
  const before = await sandboxPendingCount(stack.sandbox.url);
  const ceiling = await ceilingRun(plan.httpSeconds);
  expect(!bodies.exhausted(), 'the unifiedorder bodies ran out; raise MAX_RPS');
  expect(
    ceiling.non2xx === 0 && ceiling.errors === 0,
    `unifiedorder failed: ${JSON.stringify(ceiling)}`,
  );
  const after = await sandboxPendingCount(stack.sandbox.url);
  // Every reply that was not a new NOTPAY order would be a refusal (bad sign, bad field…).
  expect(
    after - before >= ceiling.requests,
    `the sandbox created ${after - before} orders for ${ceiling.requests} requests`,
  );

  let turn = 0;
  const body = JSON.stringify({ items: [{ productId: product.id, quantity: 1 }] });
  const serverRun = (duration) =>
    fire({
      url: `${stack.server.url}/api/orders`,
      duration,
      requests: [
        {
          method: 'POST',
          body,
          setupRequest(request) {
            request.headers = {
              'content-type': 'application/json',
              authorization: `Bearer ${tokens[turn++ % tokens.length]}`,
            };
            return request;
          },
        },
      ],
    });
  const orders = stack.db.collection('orders');
  const withPrepay = () => orders.countDocuments({ prepayId: { $exists: true } });
  await serverRun(plan.warmupSeconds);
  const countBefore = await settle(withPrepay);
  rss.mark();
  const fen = await serverRun(plan.httpSeconds);
  const peakRssMb = rss.mark();
  const created = (await settle(withPrepay)) - countBefore;
  expect(fen.non2xx === 0, `POST /api/orders failed: ${JSON.stringify(fen)}`);
  // Every 201 left an order with a prepay_id. More orders than 201s is expected: requests in
  // flight when autocannon stops are still completed by the server.
  expect(
    created >= fen.requests,
    `${created} orders with a prepay_id for ${fen.requests} answers 201`,
  );
  return {
    case: 'POST /api/orders (create + unifiedorder)',
    ceilingName: 'sandbox /pay/unifiedorder alone',
    fen: { ...fen, peakRssMb },
    ceiling,
  };
}

/**
 * `count` PENDING orders for the notify case: those POST /api/orders made, topped up with
 * copies of one of them (new _id, out_trade_no, idempotency key) — the same documents the
 * server would have written.
 */
async function pendingOrders(stack, count) {
  const orders = stack.db.collection('orders');
  const pending = await orders.find({ status: 'PENDING' }).limit(count).toArray();
  expect(pending.length > 0, 'no order was created to copy');
  const template = pending[0];
  const run = randomBytes(4).toString('hex');
  const copies = [];
  for (let i = pending.length; i < count; i += 1) {
    const outTradeNo = `FENB${run}${String(i).padStart(12, '0')}`;
    const { _id, ...rest } = template;
    copies.push({
      ...rest,
      outTradeNo,
      idempotencyKey: `${template.userId}:bench-${run}-${i}`,
      unifiedOrderParams: { ...template.unifiedOrderParams, out_trade_no: outTradeNo },
    });
  }
  for (let i = 0; i < copies.length; i += 1000) await orders.insertMany(copies.slice(i, i + 1000));
  return [...pending, ...copies];
}

/** The notify pair: the bare findOneAndUpdate endpoint, then POST /wxpay/notify. */
async function notifyCase(stack, plan, rss) {
  const orders = await pendingOrders(stack, plan.notifyPool);
  // The ceiling moves its own copies of the same orders, so both sides start from PENDING.
  const ceilingOrders = stack.db.collection(CEILING_COLLECTION);
  await ceilingOrders.createIndex({ outTradeNo: 1 }, { unique: true });
  for (let i = 0; i < orders.length; i += 1000) {
    await ceilingOrders.insertMany(orders.slice(i, i + 1000).map(({ _id, ...order }) => order));
  }
  const bodies = orders.map(
    (order, i) =>
      notificationXml(
        notificationFields({
          outTradeNo: order.outTradeNo,
          totalFen: order.totalFen,
          transactionId: `42000${String(Date.now()).slice(-9)}${String(i).padStart(14, '0')}`,
          nonce: nonceStr(),
          openid: order.openid,
        }),
      ).xml,
  );
  /** One side: warm-up, then the measured run, on one cursor over the same bodies. */
  const side = async (name, url, collection) => {
    const source = bodiesFrom(bodies);
    let notSuccess = 0;
    const run = (duration) =>
      fire({
        url,
        duration,
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'text/xml' },
            setupRequest: source.setupRequest,
            onResponse: (status, body) => {
              if (body !== SUCCESS_REPLY) notSuccess += 1;
            },
          },
        ],
      });
    const paidCount = () => collection.countDocuments({ status: 'PAID' });
    const warm = await run(plan.warmupSeconds);
    const paidBefore = await settle(paidCount);
    rss.mark();
    const result = await run(plan.httpSeconds);
    const peakRssMb = rss.mark();
    const paid = (await settle(paidCount)) - paidBefore;
    expect(!source.exhausted(), `${name}: the ${bodies.length} orders ran out; raise notifyPool`);
    expect(
      result.non2xx === 0 && notSuccess === 0,
      `${name}: ${notSuccess} replies were not SUCCESS: ${JSON.stringify({ warm, result })}`,
    );
    // Each SUCCESS moved one distinct order (requests cut off at the end may move more).
    expect(
      paid >= result.requests,
      `${name}: ${paid} orders PAID for ${result.requests} SUCCESS replies`,
    );
    return { ...result, peakRssMb };
  };

  const ceiling = await side('ceiling', `${stack.ceiling.url}/wxpay/notify`, ceilingOrders);
  const fen = await side(
    'POST /wxpay/notify',
    `${stack.server.url}/wxpay/notify`,
    stack.db.collection('orders'),
  );
  // Requests cut off at the end may still be between PENDING→PAID and the event's outcome.
  const [applied, paidOrders] = JSON.parse(
    await settle(async () =>
      JSON.stringify(
        await Promise.all([
          stack.db.collection('payment_events').countDocuments({ outcome: 'APPLIED' }),
          stack.db.collection('orders').countDocuments({ status: 'PAID' }),
        ]),
      ),
    ),
  );
  expect(applied === paidOrders, `${applied} payment events APPLIED for ${paidOrders} paid orders`);
  delete ceiling.peakRssMb;
  return {
    case: 'POST /wxpay/notify (verify, record, PENDING→PAID)',
    ceilingName: 'bare Koa + conditional findOneAndUpdate',
    fen,
    ceiling,
  };
}

/**
 * Starts the stack, runs both pairs, stops nothing (the caller's cleanUp does).
 * @param {{httpSeconds: number, warmupSeconds: number, notifyPool: number}} plan
 */
export async function runHttp(plan, { logDir, runId, cpuProf }) {
  const stack = await startStack({ logDir, runId, cpuProf });
  if (stack.scanBound) {
    console.error(
      '[bench] FerretDB on SQLite scans whole collections: notify pool cut to 1000 orders; ' +
        'set FEN_FERRETDB_HANDLER=postgresql or MONGODB_URI for meaningful figures',
    );
    plan = { ...plan, notifyPool: Math.min(plan.notifyPool, 1000) };
  }
  const rss = sampleRss(stack.server.pid);
  const tokens = await sessionTokens(stack);
  const idleRssMb = rss.mark();
  const cases = [];
  cases.push(await createOrderCase(stack, plan, tokens, rss));
  cases.push(await notifyCase(stack, plan, rss));
  const memory = { idleRssMb, ...rss.stop() };
  return {
    database: stack.database,
    serverNodeArgs: stack.server.nodeArgs,
    cases,
    serverMemory: memory,
    serverLog: stack.server.proc.logFile,
  };
}
