import type { SandboxClock } from '../clock.js';
import { apiError } from '../state/identities.js';
import type { WxApiError } from '../state/identities.js';
import type { Order, OrderStore } from '../state/orders.js';
import { refundedFee } from '../state/orders.js';
import type { MessagePusher } from './message-push.js';
import type { ResolvedShippingOptions } from './options.js';
import { MAX_PARCELS, uploadTimeError } from './validate.js';
import type { OrderKey, Parcel, ShippingUpload } from './validate.js';

/**
 * order_state as get_order numbers it: 1 待发货, 2 已发货, 3 确认收货, 4 交易完成, 5 已退款,
 * 6 资金待结算 (receipt confirmed, funds not yet settled). The path is 1 → 2 → 3 → 6 → 4.
 */
export type OrderState = 1 | 2 | 3 | 4 | 5 | 6;

export const ORDER_STATE_NAMES: Record<OrderState, string> = {
  1: '待发货',
  2: '已发货',
  3: '确认收货',
  4: '交易完成',
  5: '已退款',
  6: '资金待结算',
};

/** confirm_receive_method as the doc defines it (developers report the opposite in practice). */
export const CONFIRM_AUTO = 1;
export const CONFIRM_MANUAL = 2;

const DAY_MS = 86_400_000;
/** WeChat reminds a merchant that has shipped before about an order unshipped for 48 h. */
const REMIND_SHIPPING_AFTER_MS = 48 * 3600_000;

export interface Shipment {
  deliveryMode: 1 | 2;
  logisticsType: 1 | 2 | 3 | 4;
  parcels: (Parcel & { uploadTimeMs: number })[];
  finishShipping: boolean;
  /** 0 before, 1 once shipping completed, 2 once a re-ship completed. */
  finishShippingCount: 0 | 1 | 2;
  reshipUsed: boolean;
  lastUploadTimeMs: number;
}

/** What the shipping service knows about one paid order. */
export interface ShippingRecord {
  order: Order;
  state: Exclude<OrderState, 5>;
  shipment?: Shipment;
  /** When shipping first completed (the auto-confirm clock starts here). */
  shippedAt?: number;
  confirmedAt?: number;
  confirmMethod?: number;
  settledAt?: number;
  /** notify_confirm_receive: the courier's sign-off time (s) and when it was called. */
  receivedTime?: number;
  receiveNotifiedAt?: number;
  remindedShipping?: boolean;
}

export const ORDER_NOT_FOUND = () => apiError(10060001, '支付单不存在');
const RESHIP_USED = () => apiError(10060003, '支付单已使用重新发货机会');
const NOT_SHIPPABLE = () => apiError(10060004, '支付单处于不可发货的状态');
const PAYER_MISMATCH = () => apiError(10060031, '该笔支付单不属于 openid 所指定的用户');
const BAD_RECEIVED_TIME = () => apiError(10060029, '签收时间不合理');

const ms = (n: number) => n * 1000;
const seconds = (n: number) => Math.floor(n / 1000);

/**
 * The order-status store of 发货信息管理: the sandbox's own paid orders as the shipping APIs see
 * them, the state machine, re-upload limits, automatic confirmation and settlement on the
 * sandbox clock, and the trade-management events they push. Synchronous methods only.
 */
export class ShippingStore {
  readonly #records = new Map<string, ShippingRecord>();
  /** appid → when trade_manage_remind_access_api was last pushed. */
  readonly #remindedAccessAt = new Map<string, number>();
  readonly #jumpPaths = new Map<string, string>();

  constructor(
    private readonly orders: OrderStore,
    private readonly clock: SandboxClock,
    private readonly options: ResolvedShippingOptions,
    private readonly pusher: MessagePusher,
  ) {}

  isTradeManaged(appId: string): boolean {
    return !this.options.unmanagedAppIds.includes(appId);
  }

  setJumpPath(appId: string, path: string): void {
    this.#jumpPaths.set(appId, path);
  }

  jumpPath(appId: string): string | undefined {
    return this.#jumpPaths.get(appId);
  }

  /** The order `key` names in mini-program `appId`, if WeChat would know it by now. */
  find(appId: string, key: OrderKey): ShippingRecord | undefined {
    this.tick();
    const order =
      'transactionId' in key
        ? this.orders.all().find((o) => o.transactionId === key.transactionId)
        : this.orders.get(key.mchId, key.outTradeNo);
    if (!order || order.appId !== appId || !this.#visible(order)) return undefined;
    return this.#record(order);
  }

  /** Every known order of `appId`, oldest payment first. */
  list(appId?: string): ShippingRecord[] {
    this.tick();
    return this.orders
      .all()
      .filter((o) => (appId === undefined || o.appId === appId) && this.#visible(o))
      .map((o) => this.#record(o))
      .sort((a, b) => (a.order.paidAt ?? 0) - (b.order.paidAt ?? 0));
  }

  state(record: ShippingRecord): OrderState {
    return this.#refunded(record.order) ? 5 : record.state;
  }

  /** upload_shipping_info after its format checks: the rules that need the order. */
  upload(appId: string, upload: ShippingUpload): WxApiError | undefined {
    const record = this.find(appId, upload.orderKey);
    if (!record) return ORDER_NOT_FOUND();
    if (payerOf(record.order) !== upload.payerOpenId) return PAYER_MISMATCH();
    const state = this.state(record);
    if (state !== 1 && state !== 2) return NOT_SHIPPABLE();
    const previous = record.shipment;
    if (previous && upload.uploadTimeMs <= previous.lastUploadTimeMs) return uploadTimeError();
    // A re-ship: any upload once shipping completed, or a change of mode or logistics type.
    const changesKind =
      previous !== undefined &&
      (previous.deliveryMode !== upload.deliveryMode ||
        previous.logisticsType !== upload.logisticsType);
    const isReship = previous !== undefined && (previous.finishShipping || changesKind);
    if (isReship && previous.reshipUsed) return RESHIP_USED();
    const parcels = upload.parcels.map((p) => ({ ...p, uploadTimeMs: upload.uploadTimeMs }));
    // Split delivery adds parcels until all are delivered; everything else replaces them.
    const appends = previous !== undefined && !isReship && upload.deliveryMode === 2;
    const allParcels = appends ? [...previous.parcels, ...parcels] : parcels;
    if (allParcels.length > MAX_PARCELS) return apiError(47001, 'data format error');
    const finished = upload.deliveryMode === 1 || upload.isAllDelivered === true;
    const reshipUsed = (previous?.reshipUsed ?? false) || isReship;
    record.shipment = {
      deliveryMode: upload.deliveryMode,
      logisticsType: upload.logisticsType,
      parcels: allParcels,
      finishShipping: finished || (previous?.finishShipping ?? false),
      finishShippingCount: finished ? (reshipUsed ? 2 : 1) : (previous?.finishShippingCount ?? 0),
      reshipUsed,
      lastUploadTimeMs: upload.uploadTimeMs,
    };
    if (finished && record.state === 1) {
      record.state = 2;
      record.shippedAt = this.clock.nowMs();
      this.#pushSettlement(record, {
        estimated_settlement_time: seconds(this.#autoConfirmAt(record)),
      });
    }
    return undefined;
  }

  /** notify_confirm_receive: express only, once, received_time (s) after shipping and not ahead of now. */
  notifyConfirmReceive(appId: string, key: OrderKey, receivedTime: number): WxApiError | undefined {
    const record = this.find(appId, key);
    if (!record) return ORDER_NOT_FOUND();
    if (
      this.state(record) !== 2 ||
      record.shipment?.logisticsType !== 1 ||
      record.receiveNotifiedAt !== undefined
    ) {
      return NOT_SHIPPABLE();
    }
    const now = this.clock.nowMs();
    if (ms(receivedTime) < (record.shippedAt ?? now) - 1000 || ms(receivedTime) > now + 60_000) {
      return BAD_RECEIVED_TIME();
    }
    record.receivedTime = receivedTime;
    record.receiveNotifiedAt = now;
    return undefined;
  }

  /**
   * The buyer confirms receipt (WeChat's confirm component, `weappOrderConfirm`): `cancel` unless
   * the order is 已发货, `fail` unless `openid` is the payer's.
   */
  confirmByBuyer(
    appId: string,
    key: OrderKey,
    openid: string,
  ): { status: 'success' | 'fail' | 'cancel'; errormsg?: string; record?: ShippingRecord } {
    const record = this.find(appId, key);
    if (!record || payerOf(record.order) !== openid) {
      return { status: 'fail', errormsg: '获取用户订单失败' };
    }
    if (this.state(record) !== 2) {
      return { status: 'cancel', errormsg: '订单不是待收货状态', record };
    }
    this.#confirm(record, this.clock.nowMs(), CONFIRM_MANUAL);
    this.tick();
    return { status: 'success', record };
  }

  /** Applies what the sandbox clock has made due: confirmations, settlements, reminders. */
  tick(): void {
    const now = this.clock.nowMs();
    for (const record of this.#records.values()) {
      if (this.#refunded(record.order)) continue;
      if (record.state === 2) {
        const due = this.#autoConfirmAt(record);
        if (now >= due) this.#confirm(record, due, CONFIRM_AUTO);
      }
      if (record.state === 3) record.state = 6;
      if (
        record.state === 6 &&
        now >= (record.confirmedAt ?? now) + ms(this.options.settlementDelaySeconds)
      ) {
        record.state = 4;
        record.settledAt = now;
        this.#pushSettlement(record, {
          confirm_receive_method: record.confirmMethod ?? CONFIRM_AUTO,
          confirm_receive_time: seconds(record.confirmedAt ?? now),
          settlement_time: seconds(now),
        });
      }
    }
    this.#remind(now);
  }

  #confirm(record: ShippingRecord, at: number, method: number): void {
    record.state = 3;
    record.confirmedAt = at;
    record.confirmMethod = method;
  }

  #autoConfirmAt(record: ShippingRecord): number {
    const days =
      record.shipment?.logisticsType === 1
        ? this.options.autoConfirmDays.express
        : this.options.autoConfirmDays.other;
    return (record.shippedAt ?? this.clock.nowMs()) + days * DAY_MS;
  }

  /**
   * trade_manage_remind_shipping for an order unshipped 48 h in an app that has shipped before;
   * trade_manage_remind_access_api, daily, for an app with payments that never shipped.
   */
  #remind(now: number): void {
    const apps = new Map<string, Order[]>();
    for (const order of this.orders.all()) {
      if (!this.#visible(order) || !this.isTradeManaged(order.appId)) continue;
      apps.set(order.appId, [...(apps.get(order.appId) ?? []), order]);
    }
    for (const [appId, orders] of apps) {
      const records = orders.map((o) => this.#record(o));
      const hasShipped = records.some((r) => r.shippedAt !== undefined);
      if (!hasShipped) {
        const last = this.#remindedAccessAt.get(appId);
        if (last === undefined || now - last >= DAY_MS) {
          this.#remindedAccessAt.set(appId, now);
          this.pusher.push(appId, SYSTEM_SENDER, {
            Event: 'trade_manage_remind_access_api',
            msg: '你已完成小程序发货信息管理服务的授权，请尽快接入发货信息录入接口',
          });
        }
        continue;
      }
      for (const record of records) {
        if (
          record.state !== 1 ||
          record.remindedShipping ||
          this.#refunded(record.order) ||
          now - (record.order.paidAt ?? now) < REMIND_SHIPPING_AFTER_MS
        ) {
          continue;
        }
        record.remindedShipping = true;
        this.pusher.push(record.order.appId, payerOf(record.order), {
          Event: 'trade_manage_remind_shipping',
          ...orderIds(record.order),
          msg: '你有一笔订单超过48小时未发货，请尽快发货并录入发货信息',
        });
      }
    }
  }

  #pushSettlement(record: ShippingRecord, extra: Record<string, number>): void {
    if (!this.isTradeManaged(record.order.appId)) return;
    this.pusher.push(record.order.appId, payerOf(record.order), {
      Event: 'trade_manage_order_settlement',
      ...orderIds(record.order),
      shipped_time: seconds(record.shippedAt ?? this.clock.nowMs()),
      ...extra,
    });
  }

  #visible(order: Order): boolean {
    return (
      order.transactionId !== undefined &&
      order.paidAt !== undefined &&
      this.clock.nowMs() >= order.paidAt + ms(this.options.ingestDelaySeconds)
    );
  }

  /** A full refund makes the order 已退款 (a partial one changes nothing: not verified). */
  #refunded(order: Order): boolean {
    return order.refunds.length > 0 && refundedFee(order) >= order.totalFee;
  }

  #record(order: Order): ShippingRecord {
    const id = order.transactionId!;
    let record = this.#records.get(id);
    if (!record) {
      record = { order, state: 1 };
      this.#records.set(id, record);
    }
    return record;
  }
}

/** The sender of events that concern no buyer (WeChat's real value is not documented). */
const SYSTEM_SENDER = 'o_fen_sandbox_system';

/** Who paid the order: its openid, or the payer the sandbox recorded for a scanned/H5 order. */
export const payerOf = (order: Order): string => order.fields.openid ?? order.payerOpenId ?? '';

function orderIds(order: Order): Record<string, string | number> {
  return {
    transaction_id: order.transactionId ?? '',
    merchant_id: order.mchId,
    sub_merchant_id: '',
    merchant_trade_no: order.outTradeNo,
    pay_time: seconds(order.paidAt ?? 0),
  };
}
