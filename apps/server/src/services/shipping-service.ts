import type { LogisticsType, Order } from '@fen/contracts';
import { beijingRfc3339, isWxPayError } from '@fen/wxpay';
import type { ShippingItem, UploadShippingInfoRequest } from '@fen/wxpay';
import type { Clock } from '../clock.js';
import { appError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { FulfilmentDoc, ParcelDoc } from '../stores/order-model.js';
import type { OrderRecord, OrderStore } from '../stores/order-store.js';
import type { WeChatGateway } from '../wechat/gateway.js';
import type { WithOrderLock } from './order-locks.js';
import { timelineOf, toApiOrder } from './order-view.js';

/** What an operator records (validated by the route). */
export interface ShipmentInput {
  logisticsType: LogisticsType;
  parcels: Array<{ expressCompany?: string; trackingNo?: string; itemDesc: string }>;
  deliveryMode: 'unified' | 'split';
  isAllDelivered?: boolean;
  /** SF only: the receiver's phone masked as WeChat wants it, `189****1234`. */
  receiverContact?: string;
}

export interface DeliveryCompanies {
  companies: Array<{ id: string; name: string }>;
  /** When Fen last read them from WeChat (they are cached for a day). */
  fetchedAt: string;
}

/** A verified trade-management event from the message push (wechat-message route). */
export type TradeEvent = Record<string, unknown>;

const LOGISTICS_NUMBER: Record<LogisticsType, 1 | 2 | 3 | 4> = {
  express: 1,
  'same-city': 2,
  virtual: 3,
  'self-pickup': 4,
};

/** How long an is_trade_managed answer and the express company list are kept. */
export const TRADE_MANAGED_TTL_MS = 3600_000;
export const DELIVERY_LIST_TTL_MS = 86_400_000;

/** A value fetched once and kept for `ttlMs`; concurrent askers share one fetch. */
function cached<T>(fetch: () => Promise<T>, ttlMs: number, now: () => number) {
  let kept: { value: T; at: number } | undefined;
  let inFlight: Promise<{ value: T; at: number }> | undefined;
  return async (): Promise<{ value: T; at: number }> => {
    if (kept && now() - kept.at < ttlMs) return kept;
    inFlight ??= fetch()
      .then((value) => (kept = { value, at: now() }))
      .finally(() => (inFlight = undefined));
    return inFlight;
  };
}

/**
 * WeChat's answers to upload_shipping_info, as operators should read them. Nothing is stored
 * when WeChat refuses (docs/merchant-ops.md, "Shipping info").
 */
function shippingRefusal(err: unknown): Error {
  if (!isWxPayError(err) || err.errcode === undefined) {
    return appError('WECHAT_UNAVAILABLE', 'WeChat could not be reached; try again', { cause: err });
  }
  const code = err.errcode;
  const said = `(WeChat errcode ${code})`;
  switch (code) {
    case 10060001:
      return appError(
        'CONFLICT',
        `WeChat does not know this payment yet ${said}: payments appear a few seconds to a minute after they are made; try again shortly`,
      );
    case 10060003:
      return appError(
        'CONFLICT',
        `WeChat allows one change of shipping info per order and it is used ${said}: nothing can change any more`,
      );
    case 10060004:
      return appError(
        'CONFLICT',
        `WeChat says this order cannot be shipped ${said}: refunded, or past shipped`,
      );
    case 10060031:
      return appError('CONFLICT', `WeChat says the payer is not this order's user ${said}`);
    case 268485216:
      return appError('CONFLICT', `WeChat refused the upload time ${said}; try again`);
    case 47001:
      return appError('BAD_REQUEST', `WeChat refused the shipping info's format ${said}`);
    case 48001:
      return appError(
        'CONFLICT',
        `this mini-program may not record shipping info ${said}: check it is under trade management`,
      );
    case -1:
    case 10060019:
      return appError('WECHAT_UNAVAILABLE', `WeChat is busy ${said}; try again`);
    default:
      return appError('WECHAT_REJECTED', `WeChat refused the shipping info ${said}`);
  }
}

/** Unix seconds in a push (a number in JSON, a string in XML) → Date; absent or 0 → undefined. */
function pushTime(value: unknown): Date | undefined {
  const seconds = Number(value);
  return Number.isInteger(seconds) && seconds > 0 ? new Date(seconds * 1000) : undefined;
}

export function createShippingService(deps: {
  orders: OrderStore;
  wechat: WeChatGateway;
  clock: Clock;
  withOrderLock: WithOrderLock;
  log: Logger;
  /** The mini-program whose orders are shipped (WX_APPID). */
  appId: string;
}) {
  const { orders, wechat, clock, log } = deps;
  const now = () => clock.now().getTime();
  const tradeManaged = cached(() => wechat.shipping.isTradeManaged(), TRADE_MANAGED_TTL_MS, now);
  const deliveryList = cached(() => wechat.shipping.getDeliveryList(), DELIVERY_LIST_TTL_MS, now);

  async function deliveryCompanies(): Promise<DeliveryCompanies> {
    const { value, at } = await deliveryList().catch((err: unknown) => {
      throw appError('WECHAT_UNAVAILABLE', 'the express company list could not be read', {
        cause: err,
      });
    });
    return {
      companies: value.map((c) => ({ id: c.delivery_id, name: c.delivery_name })),
      fetchedAt: new Date(at).toISOString(),
    };
  }

  async function requireTradeManaged(): Promise<void> {
    const { value } = await tradeManaged().catch((err: unknown) => {
      throw appError('WECHAT_UNAVAILABLE', 'is_trade_managed could not be read', { cause: err });
    });
    if (!value) {
      throw appError(
        'CONFLICT',
        "this mini-program is not under WeChat's trade management (is_trade_managed: false): WeChat holds no funds for shipping, there is nothing to record",
      );
    }
  }

  function checkShippable(order: OrderRecord): void {
    if (order.channel !== 'miniprogram' || order.appId !== deps.appId) {
      throw appError(
        'BAD_REQUEST',
        `shipping info is recorded for mini-program orders only; this order was paid by ${order.channel}`,
      );
    }
    if (!['PAID', 'PARTIALLY_REFUNDED'].includes(order.status) || !order.transactionId) {
      throw appError('CONFLICT', `order is ${order.status}: only a paid order can be shipped`);
    }
    const state = order.fulfilment?.state;
    if (state === 'CONFIRMED' || state === 'SETTLED') {
      throw appError(
        'CONFLICT',
        `the buyer has confirmed receipt (${state}): shipping info can no longer change`,
      );
    }
  }

  async function parcelsOf(input: ShipmentInput): Promise<ParcelDoc[]> {
    if (input.logisticsType !== 'express')
      return input.parcels.map((p) => ({ itemDesc: p.itemDesc }));
    const { companies } = await deliveryCompanies();
    const names = new Map(companies.map((c) => [c.id, c.name]));
    return input.parcels.map((p) => {
      const name = names.get(p.expressCompany ?? '');
      if (name === undefined) {
        throw appError(
          'VALIDATION_FAILED',
          `expressCompany ${JSON.stringify(p.expressCompany)} is not one of WeChat's delivery ids (GET /admin/shipping/delivery-companies)`,
        );
      }
      if (p.expressCompany === 'SF' && !input.receiverContact) {
        throw appError(
          'VALIDATION_FAILED',
          'SF (顺丰) parcels need receiverContact, a phone masked like 189****1234',
        );
      }
      return {
        expressCompany: p.expressCompany,
        expressCompanyName: name,
        trackingNo: p.trackingNo,
        itemDesc: p.itemDesc,
      };
    });
  }

  function uploadRequest(
    order: OrderRecord,
    input: ShipmentInput,
    parcels: ParcelDoc[],
    at: Date,
  ): UploadShippingInfoRequest {
    const shipping_list: ShippingItem[] = parcels.map((p) => ({
      ...(p.expressCompany ? { express_company: p.expressCompany } : {}),
      ...(p.trackingNo ? { tracking_no: p.trackingNo } : {}),
      item_desc: p.itemDesc,
      ...(p.expressCompany === 'SF' && input.receiverContact
        ? { contact: { receiver_contact: input.receiverContact } }
        : {}),
    }));
    return {
      order_key: { order_number_type: 2, transaction_id: order.transactionId ?? '' },
      logistics_type: LOGISTICS_NUMBER[input.logisticsType],
      delivery_mode: input.deliveryMode === 'split' ? 2 : 1,
      ...(input.deliveryMode === 'split'
        ? { is_all_delivered: input.isAllDelivered === true }
        : {}),
      shipping_list,
      upload_time: beijingRfc3339(at),
      payer: { openid: order.openid },
    };
  }

  /** Records shipping at WeChat, then on the order; WeChat's refusal changes nothing. */
  async function ship(orderId: string, input: ShipmentInput, operator: string): Promise<Order> {
    const found = await orders.findById(orderId);
    if (!found) throw appError('NOT_FOUND', 'order not found');
    checkShippable(found);
    await requireTradeManaged();
    const parcels = await parcelsOf(input);
    return deps.withOrderLock(found.outTradeNo, async () => {
      const order = (await orders.findById(orderId)) ?? found;
      checkShippable(order);
      const before = order.fulfilment;
      // Each upload must carry a later upload_time than the order's previous one.
      const at = new Date(Math.max(now(), (before?.lastUploadAt?.getTime() ?? 0) + 1));
      try {
        await wechat.shipping.uploadShippingInfo(uploadRequest(order, input, parcels, at));
      } catch (err) {
        log.warn(
          { outTradeNo: order.outTradeNo, errcode: isWxPayError(err) ? err.errcode : undefined },
          'upload_shipping_info refused',
        );
        throw shippingRefusal(err);
      }
      // Split parcels before the last add up (as the sandbox models WeChat); anything else replaces.
      const adding =
        input.deliveryMode === 'split' &&
        before?.state === 'UNSHIPPED' &&
        before.deliveryMode === 'split' &&
        before.logisticsType === input.logisticsType;
      const complete = input.deliveryMode === 'unified' || input.isAllDelivered === true;
      const fulfilment: FulfilmentDoc = {
        state: complete ? 'SHIPPED' : 'UNSHIPPED',
        logisticsType: input.logisticsType,
        deliveryMode: input.deliveryMode,
        parcels: adding ? [...before.parcels, ...parcels] : parcels,
        uploads: (before?.uploads ?? 0) + 1,
        lastUploadAt: at,
        ...(complete ? { shippedAt: at } : {}),
        shippedBy: operator,
        events: before?.events ?? [],
      };
      const stored = await orders.recordShipment(order._id, before?.uploads ?? 0, fulfilment, {
        at,
        kind: complete ? 'SHIPPED' : 'PARCELS_SHIPPED',
        detail: `${operator} recorded ${input.logisticsType} shipping (${parcels.length} parcel(s), upload ${fulfilment.uploads}) at WeChat`,
      });
      if (!stored) {
        log.error(
          { outTradeNo: order.outTradeNo },
          'shipping accepted by WeChat but the order changed meanwhile',
        );
        throw appError('CONFLICT', 'the order changed while shipping was recorded; read it again');
      }
      log.info(
        { outTradeNo: order.outTradeNo, operator, uploads: fulfilment.uploads },
        'shipping recorded',
      );
      return { ...toApiOrder(stored), timeline: timelineOf(stored) };
    });
  }

  /**
   * Applies a verified `trade_manage_order_settlement` push, exactly once: confirm fields →
   * CONFIRMED, settlement_time → SETTLED. Resolves once the change is durably stored (or known to
   * be applied already, or not applicable); throws when storing failed, so WeChat retries.
   */
  async function applyTradeEvent(event: TradeEvent): Promise<void> {
    const name = String(event.Event ?? '');
    if (name !== 'trade_manage_order_settlement') {
      log.info({ event: name.slice(0, 64) }, 'message push event acknowledged and ignored');
      return;
    }
    const transactionId = String(event.transaction_id ?? '').slice(0, 64);
    const settledAt = pushTime(event.settlement_time);
    const confirmedAt = pushTime(event.confirm_receive_time);
    if (!transactionId || (!settledAt && !confirmedAt)) {
      log.info({ transactionId }, 'settlement push at shipping: nothing to change');
      return;
    }
    const key = settledAt
      ? `${name}:${transactionId}:settled:${settledAt.getTime() / 1000}`
      : `${name}:${transactionId}:confirmed:${(confirmedAt as Date).getTime() / 1000}`;
    const known = await orders.findByTransactionId(transactionId);
    if (!known) {
      log.warn({ transactionId }, 'settlement push for a transaction no order here was paid by');
      return;
    }
    // One change at a time per order in this process; across processes the update's conditions
    // (state, and the event's key not yet recorded) decide.
    const changed = await deps.withOrderLock(known.outTradeNo, () =>
      settledAt
        ? orders.advanceFulfilment(
            transactionId,
            key,
            ['SHIPPED', 'CONFIRMED'],
            { state: 'SETTLED', settledAt, ...(confirmedAt ? { confirmedAt } : {}) },
            {
              at: clock.now(),
              kind: 'SETTLED',
              detail: 'WeChat settled the order (trade_manage_order_settlement)',
            },
          )
        : orders.advanceFulfilment(
            transactionId,
            key,
            ['SHIPPED'],
            { state: 'CONFIRMED', confirmedAt },
            {
              at: clock.now(),
              kind: 'RECEIPT_CONFIRMED',
              detail: 'WeChat says receipt was confirmed (trade_manage_order_settlement)',
            },
          ),
    );
    if (changed) {
      log.info({ transactionId, state: changed.fulfilment?.state }, 'settlement push applied');
      return;
    }
    const order = await orders.findByTransactionId(transactionId);
    log.info(
      {
        transactionId,
        state: order?.fulfilment?.state,
        duplicate: order?.fulfilment?.events.includes(key) ?? false,
      },
      'settlement push changed nothing',
    );
  }

  /**
   * Reads the order at WeChat (get_order) and applies what a lost or not-yet-sent push would:
   * 确认收货 / 资金待结算 (3, 6) → CONFIRMED, 交易完成 (4) → SETTLED, each once. WeChat's
   * get_order carries no confirmation or settlement time: the time of this read is recorded.
   */
  async function syncFromWeChat(orderId: string): Promise<Order> {
    const order = await orders.findById(orderId);
    if (!order) throw appError('NOT_FOUND', 'order not found');
    if (!order.transactionId || !order.fulfilment) {
      throw appError('CONFLICT', 'no shipping was recorded for this order: nothing to read');
    }
    const remote = await wechat.shipping
      .getShippingOrder({ transaction_id: order.transactionId })
      .catch((err: unknown) => {
        throw shippingRefusal(err);
      });
    const state = Number(remote.order_state);
    const at = clock.now();
    const key = `get_order:${order.transactionId}:state:${state}`;
    const transactionId = order.transactionId;
    const confirmedBefore = order.fulfilment.confirmedAt;
    await deps.withOrderLock(order.outTradeNo, async () => {
      if (state === 3 || state === 6) {
        await orders.advanceFulfilment(
          transactionId,
          key,
          ['SHIPPED'],
          { state: 'CONFIRMED', confirmedAt: at },
          {
            at,
            kind: 'RECEIPT_CONFIRMED',
            detail: `WeChat's get_order says receipt was confirmed (order_state ${state})`,
          },
        );
      } else if (state === 4) {
        await orders.advanceFulfilment(
          transactionId,
          key,
          ['SHIPPED', 'CONFIRMED'],
          {
            state: 'SETTLED',
            settledAt: at,
            ...(confirmedBefore ? {} : { confirmedAt: at }),
          },
          {
            at,
            kind: 'SETTLED',
            detail: "WeChat's get_order says the order is settled (order_state 4)",
          },
        );
      }
    });
    const fresh = (await orders.findById(orderId)) ?? order;
    return { ...toApiOrder(fresh), timeline: timelineOf(fresh) };
  }

  return { ship, deliveryCompanies, applyTradeEvent, syncFromWeChat };
}

export type ShippingService = ReturnType<typeof createShippingService>;
