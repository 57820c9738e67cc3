import type { Sandbox } from '@fen/wx-sandbox';
import { sleep } from './pool.js';

const PRODUCTS = ['jasmine-tea', 'pour-over-coffee', 'mooncake-box', 'fen-sticker'];

export interface PlacedOrder {
  id: string;
  outTradeNo: string;
  totalFen: number;
  prepayId: string;
  token: string;
}

export interface ShopperStats {
  /** API calls repeated because a server was killed under them or refused them (5xx). */
  apiRetries: number;
}

/** Answers that mean "the server (or the balancer in front of a dead one) failed: try again". */
const retryable = (status: number) => status >= 500;

/**
 * Mini-program users over the real API, through the load balancer. Every call is retried the way
 * a client must when a server dies under it: order creation with the same Idempotency-Key (so a
 * retry is the same order, never a second one), sessions with a fresh wx.login() code (codes are
 * single-use).
 */
export function createShoppers(apiUrl: string, sandbox: Sandbox, stats: ShopperStats) {
  async function callWithRetry(
    what: string,
    send: () => Promise<Response>,
    attempts = 40,
  ): Promise<unknown> {
    let last = '';
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      try {
        const res = await send();
        const text = await res.text();
        if (!retryable(res.status)) {
          if (res.status >= 400) throw new Error(`${what}: HTTP ${res.status} ${text}`);
          return JSON.parse(text);
        }
        last = `HTTP ${res.status} ${text.slice(0, 200)}`;
      } catch (error) {
        if (error instanceof Error && error.message.startsWith(`${what}:`)) throw error;
        last = error instanceof Error ? error.message : String(error);
      }
      stats.apiRetries += 1;
      await sleep(Math.min(100 * attempt, 1000));
    }
    throw new Error(`${what}: still failing after ${attempts} attempts (${last})`);
  }

  const json = (method: string, path: string, token?: string, body?: unknown, headers = {}) =>
    fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(20_000),
    });

  return {
    /** wx.login() in the sandbox, then `POST /api/session`: the user's bearer token. */
    async signIn(user: string): Promise<string> {
      const reply = (await callWithRetry(`session for ${user}`, () =>
        json('POST', '/api/session', undefined, { code: sandbox.loginCode(user).code }),
      )) as { token: string };
      return reply.token;
    },

    /** `POST /api/orders` with an Idempotency-Key: the order and its prepay_id. */
    async placeOrder(token: string, index: number): Promise<PlacedOrder> {
      const key = `storm-order-${index}`;
      const items = [
        {
          productId: PRODUCTS[index % PRODUCTS.length] ?? 'fen-sticker',
          quantity: 1 + (index % 3),
        },
      ];
      const reply = (await callWithRetry(`order ${index}`, () =>
        json('POST', '/api/orders', token, { items }, { 'idempotency-key': key }),
      )) as {
        order: { id: string; outTradeNo: string; totalFen: number };
        payParams: { package: string };
      };
      return {
        id: reply.order.id,
        outTradeNo: reply.order.outTradeNo,
        totalFen: reply.order.totalFen,
        prepayId: reply.payParams.package.replace(/^prepay_id=/, ''),
        token,
      };
    },

    /** `POST /api/orders/:id/cancel`: closeorder at WeChat, then CLOSED. */
    async cancel(order: PlacedOrder): Promise<string> {
      const reply = (await callWithRetry(`cancel ${order.outTradeNo}`, () =>
        json('POST', `/api/orders/${order.id}/cancel`, order.token),
      )) as { order: { status: string } };
      return reply.order.status;
    },
  };
}

export type Shoppers = ReturnType<typeof createShoppers>;
