import { randomUUID } from 'node:crypto';
import type { CreateOrderResponse, Order, PayChannel, PayOrderResponse } from '@fen/contracts';
import type { Clock } from '../clock.js';
import { appError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { OrderItemDoc } from '../stores/order-model.js';
import type { OrderRecord, OrderStore } from '../stores/order-store.js';
import type { ProductStore } from '../stores/product-store.js';
import type { UserDoc } from '../stores/user-model.js';
import type { UserStore } from '../stores/user-store.js';
import { describeWeChatFailure, failureReason, weChatCallFailed } from '../wechat/failure.js';
import type { WeChatGateway } from '../wechat/gateway.js';
import type { PrepayAttempt } from '../wechat/payment-reports.js';
import { unifiedOrderParams } from '../wechat/unified-order-params.js';
import type { OrderSync } from './order-sync.js';
import { toApiOrder } from './order-view.js';
import { newOutTradeNo } from './out-trade-no.js';
import type { WithOrderLock } from './order-locks.js';
import { checkChannelUser, tradeTypeOf } from './pay-channels.js';
import type { PaymentState } from './payment-state.js';

/** WeChat keeps a prepay_id for 2 h; stop reusing it a little before that. */
const PREPAY_REUSE_MS = (120 - 5) * 60_000;
const BODY_MAX_CHARS = 127;

export interface CreateOrderInput {
  items: Array<{ productId: string; quantity: number }>;
  /** Default `miniprogram`. */
  channel?: PayChannel;
}

export interface OrderRequestMeta {
  /** The payer's IP as the server sees it (spbill_create_ip). */
  clientIp: string;
  /** The client's `Idempotency-Key`: a double tap returns the same order. */
  idempotencyKey?: string;
  log: Logger;
}

export interface OrderServiceDeps {
  orders: OrderStore;
  products: ProductStore;
  users: UserStore;
  wechat: WeChatGateway;
  payments: PaymentState;
  sync: OrderSync;
  clock: Clock;
  withOrderLock: WithOrderLock;
  notifyUrl: string;
  orderTtlMinutes: number;
  /** The site H5 pay names in scene_info. */
  site: { url: string; name: string };
  /** How many times one order may move to another channel (ORDER_MAX_CHANNEL_SWITCHES). */
  maxChannelSwitches: number;
  /**
   * Whether a `?sync=1` may ask WeChat about this order now (runtime: at most once per
   * ORDER_SYNC_INTERVAL_SECONDS per order, in Redis); default always.
   */
  mayQueryWeChat?(order: OrderRecord): Promise<boolean>;
}

/** Merges repeated products so the same cart always prices (and compares) the same way. */
function normalizeItems(items: CreateOrderInput['items']): Array<[string, number]> {
  const merged = new Map<string, number>();
  for (const { productId, quantity } of items) {
    merged.set(productId, (merged.get(productId) ?? 0) + quantity);
  }
  return [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function describe(items: OrderItemDoc[]): string {
  const [first] = items;
  const more = items.length > 1 ? ` +${items.length - 1}` : '';
  return `Fen-${first?.name ?? 'order'}${more}`.slice(0, BODY_MAX_CHARS);
}

/** Orders for the mini-program user: create, pay (again), read (with sync), cancel. */
export function createOrderService(deps: OrderServiceDeps) {
  const { orders, products, users, wechat, payments, sync, clock, withOrderLock } = deps;

  /** Runs `work` on the freshest copy of the order, holding its lock. */
  function locked<T>(order: OrderRecord, work: (fresh: OrderRecord) => Promise<T>): Promise<T> {
    return withOrderLock(order.outTradeNo, async () =>
      work((await orders.findById(order._id.toHexString())) ?? order),
    );
  }

  /** Prepay with the order's stored parameters — identical on every attempt (docs/pitfalls.md #14). */
  async function requestPrepay(order: OrderRecord, log: Logger): Promise<OrderRecord> {
    let placed: PrepayAttempt;
    try {
      placed = await wechat.prepay(order);
    } catch (err) {
      const detail = describeWeChatFailure(err);
      log.warn({ outTradeNo: order.outTradeNo, detail }, 'unifiedorder failed');
      await orders.note(order._id, {
        at: clock.now(),
        kind: 'ATTEMPT_FAILED',
        detail,
      });
      const reason = failureReason(err);
      if (reason === 'ORDER_PAID') {
        await sync.sync(order, log);
        throw appError('ORDER_NOT_PAYABLE', 'the order is already paid');
      }
      if (reason === 'ORDER_CLOSED') {
        await payments.markClosed(order, 'WeChat says ORDERCLOSED', log);
        throw appError('ORDER_NOT_PAYABLE', 'the order is closed');
      }
      throw weChatCallFailed('start the payment', err);
    }
    const { prepayId } = placed;
    if (!prepayId) throw appError('WECHAT_REJECTED', 'WeChat returned no prepay_id');
    const now = clock.now();
    const prepayExpiresAt = new Date(
      Math.min(now.getTime() + PREPAY_REUSE_MS, order.expiresAt.getTime()),
    );
    const updated = await orders.setPrepay(
      order._id,
      {
        prepayId,
        prepayExpiresAt,
        ...(placed.codeUrl ? { codeUrl: placed.codeUrl } : {}),
        ...(placed.mwebUrl ? { mwebUrl: placed.mwebUrl } : {}),
      },
      { at: now, kind: 'ATTEMPT', detail: `unifiedorder (${order.channel}) → ${prepayId}` },
    );
    if (!updated) throw appError('ORDER_NOT_PAYABLE', 'the order is no longer pending');
    return updated;
  }

  /** The stored unifiedorder parameters of a new attempt through `channel` (docs/pitfalls.md #14). */
  function attemptParams(
    channel: PayChannel,
    outTradeNo: string,
    user: UserDoc,
    order: Pick<OrderRecord, 'items' | 'totalFen' | 'description' | 'expiresAt'>,
    at: { clientIp: string; createdAt: Date },
  ): Record<string, string> {
    return unifiedOrderParams({
      tradeType: tradeTypeOf(channel),
      outTradeNo,
      totalFen: order.totalFen,
      description: order.description,
      clientIp: at.clientIp,
      notifyUrl: deps.notifyUrl,
      createdAt: at.createdAt,
      expiresAt: order.expiresAt,
      openid: user.openid,
      ...(order.items[0] ? { productId: order.items[0].productId } : {}),
      site: deps.site,
    });
  }

  /** Pay parameters for a PENDING order: the stored prepay_id while valid, else a re-entry. */
  async function payParamsFor(order: OrderRecord, log: Logger): Promise<PayOrderResponse> {
    if (order.status !== 'PENDING') {
      throw appError('ORDER_NOT_PAYABLE', `the order is ${order.status}`);
    }
    const now = clock.now();
    if (order.expiresAt.getTime() <= now.getTime()) {
      throw appError('ORDER_NOT_PAYABLE', 'the order has expired');
    }
    const reusable =
      order.prepayId !== undefined &&
      order.prepayExpiresAt !== undefined &&
      order.prepayExpiresAt.getTime() > now.getTime();
    const current = reusable ? order : await requestPrepay(order, log);
    const payment = await wechat.paymentData(current.channel, {
      prepayId: current.prepayId ?? '',
      ...(current.codeUrl ? { codeUrl: current.codeUrl } : {}),
      ...(current.mwebUrl ? { mwebUrl: current.mwebUrl } : {}),
    });
    return {
      order: toApiOrder(current),
      payment,
      ...(payment.channel === 'miniprogram' ? { payParams: payment.payParams } : {}),
    };
  }

  /** The appid a channel pays with; refused when that channel is not configured here. */
  function appIdFor(channel: PayChannel): string {
    const appId = wechat.appIdFor(channel);
    if (!appId) throw appError('CHANNEL_UNAVAILABLE', `the ${channel} channel is not configured`);
    return appId;
  }

  /**
   * Moves a PENDING order to another channel: its open attempt is closed at WeChat first, then
   * a new out_trade_no carries the new channel's parameters — re-entering the old number with
   * other parameters is exactly WeChat's "201 商户订单号重复" (docs/pitfalls.md #14). If WeChat says the
   * old attempt was paid meanwhile, the order is paid and there is nothing to switch.
   */
  async function switchChannel(
    order: OrderRecord,
    channel: PayChannel,
    clientIp: string,
    log: Logger,
  ): Promise<OrderRecord> {
    const user = await users.findById(order.userId.toHexString());
    if (!user) throw appError('UNAUTHORIZED', 'the session user no longer exists');
    checkChannelUser(channel, user);
    const appId = appIdFor(channel);
    if (order.prepayId !== undefined) {
      try {
        await wechat.closePayment(order.outTradeNo, order.appId);
      } catch (err) {
        const reason = failureReason(err);
        if (reason === 'ORDER_PAID') {
          await sync.sync(order, log);
          throw appError('ORDER_NOT_PAYABLE', 'the order is already paid');
        }
        // Closed: an earlier switch closed it and stopped short; not found: never placed.
        if (reason !== 'ORDER_CLOSED' && reason !== 'ORDER_NOT_FOUND') {
          throw weChatCallFailed('close the previous payment attempt', err);
        }
      }
    }
    const now = clock.now();
    const outTradeNo = newOutTradeNo(now);
    const switched = await orders.switchAttempt(
      order._id,
      order.outTradeNo,
      {
        channel,
        appId,
        outTradeNo,
        unifiedOrderParams: attemptParams(channel, outTradeNo, user, order, {
          clientIp,
          createdAt: now,
        }),
      },
      {
        at: now,
        kind: 'CHANNEL',
        detail: `${order.channel} → ${channel}: ${order.outTradeNo} closed, now ${outTradeNo}`,
      },
    );
    if (!switched) throw appError('ORDER_NOT_PAYABLE', 'the order is no longer pending');
    log.info({ from: order.outTradeNo, outTradeNo, channel }, 'order switched channel');
    return switched;
  }

  /** A repeated request with the same Idempotency-Key: the same cart gets the same order. */
  async function replay(
    existing: OrderRecord,
    wanted: Array<[string, number]>,
    channel: PayChannel,
    log: Logger,
  ): Promise<CreateOrderResponse> {
    const had = normalizeItems(existing.items);
    if (
      JSON.stringify(had) !== JSON.stringify(wanted) ||
      (existing.channel ?? 'miniprogram') !== channel
    ) {
      throw appError('CONFLICT', 'this Idempotency-Key was already used for a different order');
    }
    log.info({ outTradeNo: existing.outTradeNo }, 'idempotent replay of create order');
    return locked(existing, (fresh) => payParamsFor(fresh, log));
  }

  async function priceItems(wanted: Array<[string, number]>): Promise<OrderItemDoc[]> {
    const found = await products.findActiveByIds(wanted.map(([id]) => id));
    const byId = new Map(found.map((product) => [product._id, product]));
    const missing = wanted.filter(([id]) => !byId.has(id)).map(([id]) => id);
    if (missing.length > 0) {
      throw appError('PRODUCT_NOT_FOUND', `unknown product: ${missing.join(', ')}`);
    }
    return wanted.map(([productId, quantity]) => {
      const product = byId.get(productId);
      if (!product) throw appError('PRODUCT_NOT_FOUND', `unknown product: ${productId}`);
      return {
        productId,
        name: product.name,
        quantity,
        unitPriceFen: product.priceFen,
        subtotalFen: product.priceFen * quantity,
      };
    });
  }

  return {
    async create(userId: string, input: CreateOrderInput, meta: OrderRequestMeta) {
      const { log } = meta;
      const wanted = normalizeItems(input.items);
      const idempotencyKey = `${userId}:${meta.idempotencyKey ?? `auto-${randomUUID()}`}`;
      if (meta.idempotencyKey) {
        const existing = await orders.findByIdempotencyKey(idempotencyKey);
        if (existing) return replay(existing, wanted, input.channel ?? 'miniprogram', log);
      }
      const user = await users.findById(userId);
      if (!user) throw appError('UNAUTHORIZED', 'the session user no longer exists');
      const channel = input.channel ?? 'miniprogram';
      checkChannelUser(channel, user);
      const appId = appIdFor(channel);
      const items = await priceItems(wanted);
      const totalFen = items.reduce((sum, item) => sum + item.subtotalFen, 0);
      if (!Number.isSafeInteger(totalFen) || totalFen <= 0 || totalFen > 100_000_000) {
        throw appError('VALIDATION_FAILED', 'the order total is out of range');
      }
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const now = clock.now();
        const expiresAt = new Date(now.getTime() + deps.orderTtlMinutes * 60_000);
        const outTradeNo = newOutTradeNo(now);
        const description = describe(items);
        // Stored before WeChat is called, so a crash or timeout leaves an order to retry or
        // reconcile rather than a payment nobody knows about.
        const inserted = await orders.insert({
          userId: user._id,
          openid: user.openid,
          idempotencyKey,
          outTradeNo,
          status: 'PENDING',
          items,
          totalFen,
          description,
          createdAt: now,
          expiresAt,
          channel,
          appId,
          // Kept with the rest: a re-entry must be byte-for-byte the same request (docs/pitfalls.md #14).
          unifiedOrderParams: attemptParams(
            channel,
            outTradeNo,
            user,
            { items, totalFen, description, expiresAt },
            { clientIp: meta.clientIp, createdAt: now },
          ),
          timeline: [
            {
              at: now,
              kind: 'CREATED',
              detail: `${totalFen} fen, ${outTradeNo}`,
            },
          ],
        });
        if (inserted) {
          log.info({ outTradeNo, totalFen, channel }, 'order created');
          // No re-read under the lock: nothing else has acted on an order this new, and
          // setPrepay only moves a PENDING one.
          return withOrderLock(outTradeNo, () => payParamsFor(inserted, log));
        }
        // A concurrent request with the same Idempotency-Key won the insert.
        const winner = await orders.findByIdempotencyKey(idempotencyKey);
        if (winner) return replay(winner, wanted, input.channel ?? 'miniprogram', log);
        // Otherwise an out_trade_no collision (vanishingly rare): draw another.
      }
      throw appError('CONFLICT', 'could not allocate an order number; try again');
    },

    /** Pay parameters again; with another `channel`, the order moves to it first. */
    async pay(
      userId: string,
      orderId: string,
      options: { channel?: PayChannel; clientIp: string; log: Logger },
    ): Promise<PayOrderResponse> {
      const { channel, clientIp, log } = options;
      const order = await orders.findForUser(orderId, userId);
      if (!order) throw appError('NOT_FOUND', 'no such order');
      return locked(order, async (fresh) => {
        const switching = channel !== undefined && channel !== fresh.channel;
        if (switching && fresh.status === 'PENDING') {
          if (fresh.expiresAt.getTime() <= clock.now().getTime()) {
            throw appError('ORDER_NOT_PAYABLE', 'the order has expired');
          }
          // Each switch is a closeorder and a new unifiedorder, and one more out_trade_no kept.
          if (fresh.formerOutTradeNos.length >= deps.maxChannelSwitches) {
            throw appError(
              'CONFLICT',
              `该订单已更换支付方式 ${deps.maxChannelSwitches} 次，不能再更换；请用当前方式支付或重新下单`,
            );
          }
          return payParamsFor(await switchChannel(fresh, channel, clientIp, log), log);
        }
        return payParamsFor(fresh, log);
      });
    },

    async list(userId: string): Promise<Order[]> {
      return (await orders.listForUser(userId, 100)).map((order) => toApiOrder(order));
    },

    /**
     * One order. With `sync`, a PENDING order is checked with orderquery first — the client's
     * "payment succeeded" is only a hint; WeChat's answer decides.
     */
    async get(userId: string, orderId: string, options: { sync: boolean; log: Logger }) {
      const order = await orders.findForUser(orderId, userId);
      if (!order) throw appError('NOT_FOUND', 'no such order');
      if (!options.sync || order.status !== 'PENDING') return toApiOrder(order);
      if (deps.mayQueryWeChat && !(await deps.mayQueryWeChat(order))) {
        // Asked too often: what the database knows, once a sync in flight here has finished.
        return toApiOrder(await locked(order, (fresh) => Promise.resolve(fresh)));
      }
      try {
        return toApiOrder(
          await locked(order, async (fresh) => (await sync.sync(fresh, options.log)).order),
        );
      } catch (err) {
        options.log.warn(
          { err, outTradeNo: order.outTradeNo },
          'sync failed; answering from the database',
        );
        return toApiOrder(order);
      }
    },

    async cancel(userId: string, orderId: string, log: Logger): Promise<Order> {
      const order = await orders.findForUser(orderId, userId);
      if (!order) throw appError('NOT_FOUND', 'no such order');
      if (order.status === 'CLOSED') return toApiOrder(order);
      if (order.status !== 'PENDING') {
        throw appError('ORDER_NOT_CANCELLABLE', `the order is ${order.status}`);
      }
      try {
        return toApiOrder(
          await locked(order, (fresh) =>
            fresh.status === 'PENDING'
              ? sync.close(fresh, 'cancelled by the payer', log)
              : Promise.resolve(fresh),
          ),
        );
      } catch (err) {
        throw weChatCallFailed('close the order', err);
      }
    },
  };
}

export type OrderService = ReturnType<typeof createOrderService>;
