import { expect } from 'vitest';
import { control, prepayIdOf } from './sandbox-control.js';
import { call, eventually } from './stack.js';
import type { Sandbox, ServerUnderTest } from './stack.js';

// Steps the APIv3 end-to-end tests share: a buyer logged in, an order placed and paid through
// the sandbox, and the sandbox's control API for its platform keys.

export async function loginAs(on: ServerUnderTest, wechat: Sandbox, user: string): Promise<string> {
  const { code } = await control(wechat).loginCode(user);
  return (await call(`${on.url}/api/session`, { body: { code } })).body.token;
}

export async function placeOrder(
  on: ServerUnderTest,
  as: string,
): Promise<{
  order: { id: string; outTradeNo: string; totalFen: number };
  payParams: { package: string };
}> {
  const res = await call(`${on.url}/api/orders`, {
    token: as,
    body: { items: [{ productId: 'pour-over-coffee', quantity: 1 }] },
  });
  expect(res.status).toBe(201);
  return res.body;
}

/** Places an order, pays it on the sandbox and waits until the server has it PAID. */
export async function paidThroughSandbox(on: ServerUnderTest, wechat: Sandbox, as: string) {
  const { order, payParams } = await placeOrder(on, as);
  await control(wechat).pay(prepayIdOf(payParams));
  return eventually(
    async () => {
      const res = await call(`${on.url}/api/orders/${order.id}`, { token: as });
      return res.body.order?.status === 'PAID' ? res.body.order : undefined;
    },
    10_000,
    `order ${order.outTradeNo} PAID`,
  );
}

/** Waits until the sandbox has seen the server answer 204 to the order's payment notification. */
export async function notificationAcknowledged(wechat: Sandbox, outTradeNo: string) {
  await eventually(
    async () =>
      (await control(wechat).notifications(outTradeNo))[0]?.attempts.some(
        (a) => a.http_status === 204,
      ) || undefined,
    10_000,
    `the notification of ${outTradeNo} acknowledged`,
  );
}

/** The sandbox's control API for APIv3 keys (rotation, mode). */
export async function sandboxV3(on: Sandbox, path: string, method: 'POST' | 'PUT', body: unknown) {
  const res = await call(`${on.url}/__sandbox/v3/${path}`, { method, body });
  expect(res.status).toBe(200);
  return res.body;
}
