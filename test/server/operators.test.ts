import { createHash, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO, call, useFenStack } from './helpers/stack.js';
import { loginAs, paidThroughSandbox } from './helpers/v3-flow.js';

// Operators have names (issue 15, §3): ADMIN_TOKENS lists each operator with the SHA-256 of their
// token; every refund records who asked for it, the order's timeline and the log name them, and
// ADMIN_TOKEN still works as the operator `admin`.
const alice = `alice-token-${randomUUID()}`;
const bob = `bob-token-${randomUUID()}`;
const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

const stack = useFenStack({
  server: {
    env: { ADMIN_TOKENS: `alice:${sha256(alice)}, bob:${sha256(bob)}` },
  },
});
let buyer: string;

beforeAll(async () => {
  buyer = await loginAs(stack.server, stack.sandbox, 'operators-buyer');
});

const refund = (orderId: string, token: string, amountFen: number) =>
  call(`${stack.server.url}/admin/orders/${orderId}/refunds`, {
    token,
    body: { amountFen },
    headers: { 'idempotency-key': `refund-${randomUUID()}` },
  });
const adminOrder = async (id: string, token = alice) =>
  (await call(`${stack.server.url}/admin/orders/${id}`, { token })).body.order;
const models = () => stack.server.running.runtime.db.models;

describe('operators', () => {
  it('when two operators each refund part of an order, then each refund, its timeline entry and its log line name its own operator, never a token', async () => {
    const order = await paidThroughSandbox(stack.server, stack.sandbox, buyer);
    const logs = stack.server.logs;
    const before = logs.lines.length;
    const byAlice = await refund(order.id, alice, 100);
    const byBob = await refund(order.id, bob, 200);
    expect([byAlice.status, byBob.status]).toEqual([201, 201]);
    expect(byAlice.body.refund.requestedBy).toBe('alice');
    expect(byBob.body.refund.requestedBy).toBe('bob');

    const stored = await models().Refund.find({ orderId: order.id }).sort({ amountFen: 1 }).lean();
    expect(stored.map((r) => [r.amountFen, r.requestedBy])).toEqual([
      [100, 'alice'],
      [200, 'bob'],
    ]);
    const seen = await adminOrder(order.id, bob);
    expect(seen.refunds.map((r: { requestedBy: string }) => r.requestedBy).sort()).toEqual([
      'alice',
      'bob',
    ]);
    const requested = seen.timeline
      .filter((e: { kind: string }) => e.kind === 'REFUND_REQUESTED')
      .map((e: { detail: string }) => e.detail);
    expect(requested).toEqual([
      expect.stringMatching(/ by alice$/),
      expect.stringMatching(/ by bob$/),
    ]);

    const lines = logs.lines
      .slice(before)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const asked = lines.filter((line) => line.msg === 'refund requested');
    expect(asked.map((line) => line.operator)).toEqual(['alice', 'bob']);
    expect(
      lines.some((line) => line.msg === 'operator read an order' && line.operator === 'bob'),
    ).toBe(true);
    expect(logs.text).not.toContain(alice);
    expect(logs.text).not.toContain(bob);
  });

  it('when a token is unknown (or a hash is presented as the token), then 401 and nothing is refunded', async () => {
    const order = await paidThroughSandbox(stack.server, stack.sandbox, buyer);
    for (const token of ['carol-token-0123456789abcdef', sha256(alice)]) {
      const res = await refund(order.id, token, 100);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
      expect((await call(`${stack.server.url}/admin/orders`, { token })).status).toBe(401);
    }
    expect(await models().Refund.countDocuments({ orderId: order.id })).toBe(0);
  });

  it('when ADMIN_TOKEN is set (the demo), then it still works, as the operator "admin"', async () => {
    const order = await paidThroughSandbox(stack.server, stack.sandbox, buyer);
    const res = await refund(order.id, DEMO.adminToken, 100);
    expect(res.status).toBe(201);
    expect(res.body.refund.requestedBy).toBe('admin');
  });
});
