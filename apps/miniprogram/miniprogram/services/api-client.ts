import type {
  CreateOrderRequest,
  CreateOrderResponse,
  MiniProgramPayParams,
  Order,
  OrderListResponse,
  OrderResponse,
  PayOrderResponse,
  Product,
  ProductListResponse,
} from '@fen/contracts';
import { clientError, errorFromResponse } from '../utils/errors';
import { httpRequest, isOk } from './http';
import type { HttpResponse } from './http';
import type { Session } from './session';

export interface ApiClientOptions {
  baseUrl: string;
  session: Session;
  timeoutMs: number;
}

/** An order with what wx.requestPayment takes for it. */
export interface PayableOrder {
  order: Order;
  payParams: MiniProgramPayParams;
}

/** The mini-program's own payment data; any other channel's would be the server's mistake. */
function payable(answer: CreateOrderResponse | PayOrderResponse): PayableOrder {
  const { payment } = answer;
  if (payment.channel !== 'miniprogram') {
    throw clientError('BAD_RESPONSE', `the server answered ${payment.channel} payment data`);
  }
  return { order: answer.order, payParams: payment.payParams };
}

/** The Fen server's buyer API (types from @fen/contracts). */
export interface ShopApi {
  listProducts(): Promise<Product[]>;
  /** `idempotencyKey` makes a repeated request (double tap, retry) return the same order. */
  createOrder(items: CreateOrderRequest['items'], idempotencyKey: string): Promise<PayableOrder>;
  /** Fresh payParams for a PENDING order. */
  payOrder(orderId: string): Promise<PayableOrder>;
  listOrders(): Promise<Order[]>;
  /** `sync`: the server asks WeChat (orderquery) about a PENDING order before answering. */
  getOrder(orderId: string, options?: { sync?: boolean }): Promise<Order>;
  cancelOrder(orderId: string): Promise<Order>;
}

/**
 * An authenticated client: every call carries the session's bearer token; a 401 logs in again
 * once and repeats the call (same body, same Idempotency-Key); a second 401 is an error.
 */
export function createApiClient(options: ApiClientOptions): ShopApi {
  async function call<T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const send = (token: string): Promise<HttpResponse> =>
      httpRequest({
        method,
        url: `${options.baseUrl}${path}`,
        body,
        headers: { ...headers, authorization: `Bearer ${token}` },
        timeoutMs: options.timeoutMs,
      });
    let token = await options.session.token();
    let res = await send(token);
    if (res.status === 401) {
      token = await options.session.renew(token);
      res = await send(token);
    }
    if (!isOk(res.status)) throw errorFromResponse(res.status, res.data);
    if (res.data === null || typeof res.data !== 'object') {
      throw clientError('BAD_RESPONSE', `${method} ${path}: the server's answer was not JSON`, {
        status: res.status,
      });
    }
    return res.data as T;
  }

  const id = (orderId: string) => encodeURIComponent(orderId);
  return {
    listProducts: async () => (await call<ProductListResponse>('GET', '/api/products')).products,
    createOrder: async (items, idempotencyKey) =>
      payable(
        await call<CreateOrderResponse>(
          'POST',
          '/api/orders',
          { items, channel: 'miniprogram' } satisfies CreateOrderRequest,
          { 'idempotency-key': idempotencyKey },
        ),
      ),
    payOrder: async (orderId) =>
      payable(await call<PayOrderResponse>('POST', `/api/orders/${id(orderId)}/pay`, {})),
    listOrders: async () => (await call<OrderListResponse>('GET', '/api/orders')).orders,
    getOrder: async (orderId, { sync = false } = {}) =>
      (await call<OrderResponse>('GET', `/api/orders/${id(orderId)}${sync ? '?sync=1' : ''}`))
        .order,
    cancelOrder: async (orderId) =>
      (await call<OrderResponse>('POST', `/api/orders/${id(orderId)}/cancel`, {})).order,
  };
}
