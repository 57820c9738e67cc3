import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEMO, call } from '../server/helpers/stack.js';
import { watchAppRequests } from './support/app-requests.js';
import { casesRun, cases, holds, timeoutMs } from './support/budget.js';
import { rawRequest } from './support/raw-http.js';
import type { RawResponse } from './support/raw-http.js';
import { fuzzRequest } from './support/requests.js';
import type { FuzzRequest, Known } from './support/requests.js';
import { expectNoSecret } from './support/secrets.js';
import { craftSessionToken, useFuzzStack } from './support/stack.js';
import { keptNow, pruneTo, stateDigest } from './support/state.js';

// Every HTTP route of the real server (real database, Redis and sandbox) under fuzzed requests.

/** Cases between prunes of what accepted requests created (orders, users); CI prunes once. */
const PRUNE_EVERY = cases(100, 250);

const stack = useFuzzStack();

/** Who a request is, by the same rule the server's auth middleware reads the header. */
function principal(known: Known, authorization: string | Buffer | undefined) {
  if (authorization === undefined) return 'nobody';
  const header = Buffer.isBuffer(authorization) ? authorization.toString('latin1') : authorization;
  const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  if (token === known.tokens.admin) return 'admin';
  if (token === known.tokens.userA) return 'userA';
  if (token === known.tokens.userB) return 'userB';
  // Genuinely signed (only the server can make it) for a user that does not exist.
  if (token === known.tokens.ghost) return 'ghost';
  return 'nobody';
}

/** The server's own account of its latest 5xx, to say why a case failed. */
function lastFailure(): string {
  const failures = stack.server.logs.lines.filter((line) => line.includes('"request failed"'));
  return `server log: ${failures.at(-1) ?? 'no failure logged'}`;
}

/** Everything a reply must be, whatever was asked. */
function checkReply(known: Known, input: FuzzRequest, reply: RawResponse): void {
  const { template, request } = input;
  if (reply.status >= 500) expect.fail(`bad input got a ${reply.status}; ${lastFailure()}`);
  expectNoSecret(reply.raw.toString('latin1'), stack.recorder.sessionKeys);
  expectNoSecret(reply.raw.toString('utf8'), stack.recorder.sessionKeys);
  const who = principal(known, input.authorization);
  const ok = reply.status >= 200 && reply.status < 300;
  const fromApp = reply.headers['x-request-id'] !== undefined;
  if (ok && request.method === 'OPTIONS') {
    // The router answers OPTIONS with the Allow list before any auth: nothing else in it.
    expect(reply.body.length).toBe(0);
    return;
  }
  if (ok && template.startsWith('/admin')) expect(who).toBe('admin');
  if (ok && (template.startsWith('/api/orders') || template === '/api/products')) {
    // A signed session of a user that is gone may list, but owns nothing (checked below).
    expect(['userA', 'userB', 'ghost']).toContain(who);
  }
  if (ok && template.startsWith('/api/orders') && request.method !== 'HEAD') {
    // Nobody sees, pays or cancels someone else's order.
    const own = who === 'userA' ? known.ordersOfA : who === 'userB' ? known.ordersOfB : [];
    const body = JSON.parse(reply.body.toString('utf8')) as {
      order?: { id: string };
      orders?: Array<{ id: string }>;
    };
    if (reply.status === 201 && body.order) own.push(body.order.id);
    for (const order of [...(body.order ? [body.order] : []), ...(body.orders ?? [])]) {
      expect(own).toContain(order.id);
    }
  }
  if (template.startsWith('/wxpay') && request.method === 'POST' && fromApp) {
    // Notification routes answer in WeChat's XML, and junk is never a valid notification.
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/xml/);
    expect(reply.body.toString('utf8')).toContain('<return_code><![CDATA[FAIL]]></return_code>');
  } else if (reply.status >= 400 && fromApp && request.method !== 'HEAD') {
    const parsed = JSON.parse(reply.body.toString('utf8')) as {
      error: { code: string; message: string; requestId: string };
    };
    expect(parsed.error.requestId).toBe(reply.headers['x-request-id']);
    expect(typeof parsed.error.code).toBe('string');
    expect(typeof parsed.error.message).toBe('string');
  }
}

describe('the HTTP API under fuzzing', () => {
  it(
    'when any route gets odd methods, ids, tokens, headers, bodies or framing, then no 5xx, no secret, and refusals change nothing',
    async () => {
      const { server } = stack;
      const models = server.running.runtime.db.models;
      const a = await stack.login('fuzz-user-a');
      const b = await stack.login('fuzz-user-b');
      const products = await call(`${server.url}/api/products`, { token: a.token });
      const productIds = (products.body.products as Array<{ id: string }>).map((p) => p.id);
      const order = async (token: string) => {
        const res = await call(`${server.url}/api/orders`, {
          token,
          body: { items: [{ productId: productIds[0], quantity: 1 }] },
        });
        expect(res.status).toBe(201);
        return res.body.order.id as string;
      };
      const ordersOfA = [await order(a.token), await order(a.token), await order(a.token)];
      const ordersOfB = [await order(b.token)];
      const closed = await call(`${server.url}/api/orders/${ordersOfA[2]}/cancel`, {
        token: a.token,
        method: 'POST',
      });
      expect(closed.body.order.status).toBe('CLOSED');
      const future = Math.floor(Date.now() / 1000) + 3600;
      const known: Known = {
        ordersOfA,
        ordersOfB,
        productIds,
        tokens: {
          userA: a.token,
          userB: b.token,
          admin: DEMO.adminToken,
          expired: craftSessionToken({ sub: a.userId, exp: Math.floor(Date.now() / 1000) - 1 }),
          // A changed signature character in the middle (the last one carries unused bits).
          tampered: a.token.replace(/\.(.{10})(.)/, (_m, head: string, c: string) => {
            return `.${head}${c === 'A' ? 'B' : 'A'}`;
          }),
          ghost: craftSessionToken({ sub: '0123456789abcdef01234567', exp: future }),
          badSubject: craftSessionToken({ sub: { $ne: null }, exp: future }),
        },
      };
      const tracked = [...ordersOfA, ...ordersOfB];
      let baseline = await stateDigest(models, tracked);
      const kept = await keptNow(models);
      let sincePrune = 0;
      let pruned = 0;
      const app = watchAppRequests(server);
      const statuses = new Map<number | 'none', number>();

      await holds(
        'HTTP API: fuzzed requests on every route',
        fc.asyncProperty(fuzzRequest(known), async (input) => {
          if (++sincePrune > PRUNE_EVERY) {
            pruned += await pruneTo(models, kept);
            baseline = await stateDigest(models, tracked);
            sincePrune = 1;
          }
          const reply = await rawRequest(
            server.running.port,
            input.request,
            input.promisesMore ? 200 : 10_000,
          );
          statuses.set(reply?.status ?? 'none', (statuses.get(reply?.status ?? 'none') ?? 0) + 1);
          if (!reply) expect(input.promisesMore, 'every complete request is answered').toBe(true);
          else checkReply(known, input, reply);
          const decided = await app.settle();
          for (const status of decided) {
            if (status >= 500) expect.fail(`the app answered a ${status}; ${lastFailure()}`);
          }
          const after = await stateDigest(models, tracked);
          const accepted = decided.some((status) => status < 300);
          const refusedNotification = input.template.startsWith('/wxpay');
          if (!accepted || refusedNotification) {
            expect(after, 'a refused request changed stored state').toBe(baseline);
          }
          baseline = after;
        }),
        cases(200, 15_000),
      );
      console.log(
        `[fuzz] HTTP API statuses: ${[...statuses.entries()]
          .sort(([x], [y]) => String(x).localeCompare(String(y)))
          .map(([status, n]) => `${status}×${n}`)
          .join(' ')}; ${pruned} created documents pruned`,
      );

      app.stop();
      // Still alive, still healthy, nothing thrown anywhere in this process, nothing leaked.
      const health = await call(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      expect(stack.crashes).toEqual([]);
      expectNoSecret(server.logs.text, stack.recorder.sessionKeys, 'server log');
      const failed = server.logs.lines.filter((line) => line.includes('"request failed"'));
      expect(failed, 'no request ended in a 5xx, even one the client never saw').toEqual([]);
      console.log(`[fuzz] server-api.test.ts: ${casesRun()} cases in total`);
    },
    timeoutMs(120_000),
  );
});
