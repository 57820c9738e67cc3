import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Fulfilment, MiniProgramPayParams, Order, Product } from '@fen/contracts';

/**
 * A small stand-in for the Fen server AND the sandbox's control API on one port, for the app's
 * unit and page tests (the e2e tests in test/miniprogram use the real ones). It speaks the
 * documented API — `{error: {code, message, requestId}}`, 401 for a bad token, Idempotency-Key on
 * POST /api/orders, `sync=1` — and lets a test play the awkward cases: expired tokens, lost
 * notifications, slow confirmations, failing routes.
 */
export interface FakeShop {
  url: string;
  products: Product[];
  /** Every request, in order. */
  readonly log: Array<{ method: string; path: string; headers: IncomingMessage['headers'] }>;
  orders(): Order[];
  /** Records an order's shipping, as the server shows it once an operator shipped it (or
   *  WeChat confirmed or settled it). */
  setFulfilment(orderId: string, fulfilment: Fulfilment): void;
  /** Every `POST /__sandbox/shipping/confirm` body (the sandbox's confirm-receipt component). */
  readonly receiptConfirmations: Array<Record<string, unknown>>;
  /** Every payParams object the shop answered, in order. */
  readonly issuedPayParams: MiniProgramPayParams[];
  /** Makes every token issued so far invalid (401), as an expired session would be. */
  expireTokens(): void;
  /** The next `count` requests to `path` answer `status` with an API error. */
  failNext(path: string, status: number, code: string, count?: number): void;
  /** Paid orders stay PENDING on the shop until this many sync=1 queries asked (a lost or late
   *  notification); Infinity: never confirmed. */
  confirmAfterSyncs: number;
  /** How many login codes the sandbox issued. */
  readonly loginCodesIssued: number;
  close(): Promise<void>;
}

const PRODUCTS: Product[] = [
  {
    id: 'jasmine-tea',
    name: 'Jasmine tea',
    description: 'A pot of jasmine green tea',
    priceFen: 990,
  },
  { id: 'mooncake-box', name: 'Mooncake gift box', description: 'Six mooncakes', priceFen: 12800 },
];

interface FakeOrder {
  order: Order;
  userId: string;
  prepayId: string;
  /** The payer paid at the "sandbox". */
  paidAtWeChat: boolean;
  syncs: number;
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      } catch {
        resolve(undefined);
      }
    });
  });
}

export async function startFakeShop(): Promise<FakeShop> {
  const tokens = new Map<string, string>(); // token → userId
  const codes = new Map<string, string>(); // login code → user
  const orders = new Map<string, FakeOrder>();
  const byKey = new Map<string, string>(); // userId:key → order id
  const failures: Array<{ path: string; status: number; code: string; left: number }> = [];
  let sequence = 0;
  let requestCount = 0;

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const fail = (res: ServerResponse, status: number, code: string, message = code) =>
    send(res, status, { error: { code, message, requestId: `req-${requestCount}` } });
  /** The server's answer to create / pay: the order and its mini-program payment data. */
  const answer = (entry: { order: Order; prepayId: string }) => {
    const params = payParams(entry.prepayId);
    return {
      order: entry.order,
      payment: { channel: 'miniprogram', payParams: params },
      payParams: params,
    };
  };
  const payParams = (prepayId: string): MiniProgramPayParams => {
    const params: MiniProgramPayParams = {
      timeStamp: String(Math.floor(Date.now() / 1000)),
      nonceStr: `nonce${++sequence}`,
      package: `prepay_id=${prepayId}`,
      signType: 'MD5',
      paySign: `SIGN${sequence}`,
    };
    shop.issuedPayParams.push(params);
    return params;
  };
  const markPaid = (entry: FakeOrder) => {
    entry.order = {
      ...entry.order,
      status: 'PAID',
      paidAt: new Date().toISOString(),
      transactionId: `4200000000${sequence++}`,
    };
  };

  const shop: FakeShop = {
    url: '',
    products: [...PRODUCTS],
    log: [],
    issuedPayParams: [],
    orders: () => [...orders.values()].map((entry) => entry.order),
    setFulfilment: (orderId, fulfilment) => {
      const entry = orders.get(orderId);
      if (!entry) throw new Error(`no order ${orderId}`);
      entry.order = { ...entry.order, fulfilment };
    },
    receiptConfirmations: [],
    expireTokens: () => tokens.clear(),
    failNext: (path, status, code, count = 1) => {
      failures.push({ path, status, code, left: count });
    },
    confirmAfterSyncs: 0,
    get loginCodesIssued() {
      return codes.size;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    requestCount += 1;
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    shop.log.push({ method, path, headers: req.headers });
    const body = (await readJson(req)) as Record<string, unknown> | undefined;

    const failure = failures.find((f) => f.path === path && f.left > 0);
    if (failure) {
      failure.left -= 1;
      return fail(res, failure.status, failure.code, `injected ${failure.code}`);
    }

    // The sandbox's control API.
    if (method === 'POST' && path === '/__sandbox/login-code') {
      const code = `code-${++sequence}`;
      codes.set(code, String(body?.user));
      return send(res, 200, { code, openid: `openid-${String(body?.user)}`, expires_in: 300 });
    }
    if (method === 'POST' && path === '/__sandbox/pay') {
      const entry = [...orders.values()].find((o) => o.prepayId === body?.prepay_id);
      if (!entry)
        return send(res, 404, {
          error: { code: 'PREPAY_NOT_FOUND', message: 'no such prepay_id' },
        });
      if (body?.outcome !== 'success')
        return send(res, 200, { trade_state: 'NOTPAY', out_trade_no: entry.order.outTradeNo });
      entry.paidAtWeChat = true;
      if (shop.confirmAfterSyncs === 0) markPaid(entry); // the notification arrived
      return send(res, 200, {
        trade_state: 'SUCCESS',
        out_trade_no: entry.order.outTradeNo,
        transaction_id: 'T',
      });
    }

    // The confirm-receipt component for a test user: confirms a shipped order of that buyer.
    if (method === 'POST' && path === '/__sandbox/shipping/confirm') {
      shop.receiptConfirmations.push(body ?? {});
      const entry = [...orders.values()].find(
        (o) => o.order.transactionId === body?.transaction_id,
      );
      if (!entry || entry.userId !== body?.user)
        return send(res, 200, { status: 'fail', errormsg: '获取用户订单失败' });
      if (entry.order.fulfilment?.state !== 'SHIPPED') return send(res, 200, { status: 'cancel' });
      entry.order = {
        ...entry.order,
        fulfilment: {
          ...entry.order.fulfilment,
          state: 'CONFIRMED',
          confirmedAt: new Date().toISOString(),
        },
      };
      return send(res, 200, { status: 'success' });
    }

    if (method === 'POST' && path === '/api/session') {
      const user = codes.get(String(body?.code));
      if (!user) return fail(res, 400, 'LOGIN_CODE_INVALID', 'invalid or used code');
      codes.set(String(body?.code), ''); // single use, as WeChat's
      const token = `token-${++sequence}`;
      tokens.set(token, user);
      const expiresAt = new Date(Date.now() + 3600_000).toISOString();
      return send(res, 200, {
        token,
        expiresAt,
        user: { id: user, openid: `openid-${user}`, createdAt: expiresAt },
      });
    }

    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const userId = token ? tokens.get(token) : undefined;
    if (!userId) return fail(res, 401, 'UNAUTHORIZED', 'log in again');

    if (method === 'GET' && path === '/api/products')
      return send(res, 200, { products: shop.products });
    if (method === 'POST' && path === '/api/orders') {
      const key = req.headers['idempotency-key'];
      // The server's rule for the header.
      if (key !== undefined && !/^[A-Za-z0-9_.:-]{8,64}$/.test(String(key))) {
        return fail(
          res,
          400,
          'VALIDATION_FAILED',
          'Idempotency-Key header: 8–64 of A-Z a-z 0-9 _ . : -',
        );
      }
      const existing = typeof key === 'string' ? byKey.get(`${userId}:${key}`) : undefined;
      if (existing) {
        const entry = orders.get(existing)!;
        return send(res, 200, answer(entry));
      }
      const items = (body?.items ?? []) as Array<{ productId: string; quantity: number }>;
      const lines = items.map((item) => {
        const product = shop.products.find((p) => p.id === item.productId);
        if (!product) throw new Error(`unknown product ${item.productId}`);
        return {
          productId: product.id,
          name: product.name,
          quantity: item.quantity,
          unitPriceFen: product.priceFen,
          subtotalFen: product.priceFen * item.quantity,
        };
      });
      const id = `order${++sequence}`;
      const now = new Date();
      const entry: FakeOrder = {
        userId,
        prepayId: `wx${id}`,
        paidAtWeChat: false,
        syncs: 0,
        order: {
          id,
          outTradeNo: `FEN${id}`,
          status: 'PENDING',
          items: lines,
          totalFen: lines.reduce((sum, line) => sum + line.subtotalFen, 0),
          refundedFen: 0,
          description: lines.map((line) => line.name).join(', '),
          createdAt: now.toISOString(),
          expiresAt: new Date(now.getTime() + 1800_000).toISOString(),
        },
      };
      orders.set(id, entry);
      if (typeof key === 'string') byKey.set(`${userId}:${key}`, id);
      return send(res, 201, answer(entry));
    }
    if (method === 'GET' && path === '/api/orders') {
      const mine = [...orders.values()].filter((o) => o.userId === userId).map((o) => o.order);
      return send(res, 200, { orders: mine.reverse() });
    }
    const match = /^\/api\/orders\/([^/]+)(\/pay|\/cancel)?$/.exec(path);
    const entry = match ? orders.get(decodeURIComponent(match[1]!)) : undefined;
    if (!match || !entry || entry.userId !== userId)
      return fail(res, 404, 'NOT_FOUND', 'no such order');
    if (method === 'GET' && !match[2]) {
      if (url.searchParams.get('sync') === '1' && entry.order.status === 'PENDING') {
        entry.syncs += 1;
        if (entry.paidAtWeChat && entry.syncs >= shop.confirmAfterSyncs) markPaid(entry);
      }
      return send(res, 200, { order: entry.order });
    }
    if (method === 'POST' && match[2] === '/pay') {
      if (entry.order.status !== 'PENDING')
        return fail(res, 409, 'ORDER_NOT_PAYABLE', `order is ${entry.order.status}`);
      return send(res, 200, answer(entry));
    }
    if (method === 'POST' && match[2] === '/cancel') {
      if (entry.order.status !== 'PENDING')
        return fail(res, 409, 'ORDER_NOT_CANCELLABLE', `order is ${entry.order.status}`);
      entry.order = { ...entry.order, status: 'CLOSED', closedAt: new Date().toISOString() };
      return send(res, 200, { order: entry.order });
    }
    return fail(res, 404, 'NOT_FOUND', 'no such route');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => fail(res, 500, 'INTERNAL', error.message));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  shop.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return shop;
}
