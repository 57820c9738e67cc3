import type { SignType } from '@fen/wxpay';

/** trade_state values the sandbox gives JSAPI/NATIVE/APP/MWEB orders [docs/protocol.md §3.2]. */
export type TradeState = 'NOTPAY' | 'SUCCESS' | 'CLOSED' | 'REFUND';

export type RefundStatus = 'PROCESSING' | 'SUCCESS';

export interface Refund {
  refundId: string;
  outRefundNo: string;
  refundFee: number;
  status: RefundStatus;
  createdAt: number;
  successAt?: number;
  refundDesc?: string;
  refundAccount: string;
  notifyUrl?: string;
  /** The business fields of the request, to tell a retry from a conflicting reuse. */
  fingerprint: string;
}

export interface PayAttempt {
  at: number;
  outcome: 'success' | 'cancel' | 'insufficient_funds';
}

export interface Order {
  mchId: string;
  appId: string;
  outTradeNo: string;
  tradeType: 'JSAPI' | 'NATIVE' | 'APP' | 'MWEB';
  totalFee: number;
  body: string;
  notifyUrl: string;
  signType: SignType;
  /** Every business field of the unifiedorder request except sign and nonce_str. */
  fields: Record<string, string>;
  fingerprint: string;
  prepayId: string;
  prepayIssuedAt: number;
  codeUrl?: string;
  mwebUrl?: string;
  createdAt: number;
  timeExpire?: number;
  state: TradeState;
  closedAt?: number;
  closedBy?: 'closeorder' | 'time_expire';
  transactionId?: string;
  paidAt?: number;
  bankType?: string;
  /** Who paid an order placed without an openid (NATIVE scanned, H5), when the sandbox knows. */
  payerOpenId?: string;
  payAttempts: PayAttempt[];
  refunds: Refund[];
  /** Placed through Pay APIv3: its payment notification is v3 JSON (absent: APIv2). */
  api?: 'v3';
}

/** prepay_id is valid 2 hours; a re-entry after that gets a new one [D-uo-wxa]. */
export const PREPAY_TTL_MS = 2 * 3600_000;

/**
 * The orders of every merchant, indexed the ways WeChat looks them up. Synchronous methods only,
 * so a lookup and the write that depends on it can never interleave with another request.
 */
export class OrderStore {
  readonly #byOutTradeNo = new Map<string, Order>();
  readonly #byTransactionId = new Map<string, Order>();
  /** every prepay_id ever issued (old ones stay, so an expired one is recognised) */
  readonly #byPrepayId = new Map<string, Order>();
  readonly #byCodeUrlToken = new Map<string, Order>();
  readonly #refunds = new Map<string, { order: Order; refund: Refund }>();
  readonly #refundsById = new Map<string, { order: Order; refund: Refund }>();

  constructor(private readonly now: () => number) {}

  get(mchId: string, outTradeNo: string): Order | undefined {
    return this.#refresh(this.#byOutTradeNo.get(`${mchId}|${outTradeNo}`));
  }

  byTransactionId(mchId: string, transactionId: string): Order | undefined {
    const order = this.#byTransactionId.get(transactionId);
    return order && order.mchId === mchId ? this.#refresh(order) : undefined;
  }

  byPrepayId(prepayId: string): Order | undefined {
    return this.#refresh(this.#byPrepayId.get(prepayId));
  }

  byCodeUrlToken(token: string): Order | undefined {
    return this.#refresh(this.#byCodeUrlToken.get(token));
  }

  refund(mchId: string, outRefundNo: string): { order: Order; refund: Refund } | undefined {
    const found = this.#refunds.get(`${mchId}|${outRefundNo}`);
    if (found) this.#refresh(found.order);
    return found;
  }

  refundById(mchId: string, refundId: string): { order: Order; refund: Refund } | undefined {
    const found = this.#refundsById.get(refundId);
    if (!found || found.order.mchId !== mchId) return undefined;
    this.#refresh(found.order);
    return found;
  }

  add(order: Order, codeUrlToken?: string): void {
    this.#byOutTradeNo.set(`${order.mchId}|${order.outTradeNo}`, order);
    this.#byPrepayId.set(order.prepayId, order);
    if (codeUrlToken) this.#byCodeUrlToken.set(codeUrlToken, order);
  }

  /** Records a new prepay_id for a re-entered order (the old one stays known, but expired). */
  reissuePrepay(order: Order, prepayId: string): void {
    order.prepayId = prepayId;
    order.prepayIssuedAt = this.now();
    this.#byPrepayId.set(prepayId, order);
  }

  markPaid(order: Order, transactionId: string, bankType: string): void {
    order.state = 'SUCCESS';
    order.transactionId = transactionId;
    order.paidAt = this.now();
    order.bankType = bankType;
    this.#byTransactionId.set(transactionId, order);
  }

  addRefund(order: Order, refund: Refund): void {
    order.refunds.push(refund);
    order.state = 'REFUND';
    const entry = { order, refund };
    this.#refunds.set(`${order.mchId}|${refund.outRefundNo}`, entry);
    this.#refundsById.set(refund.refundId, entry);
  }

  /** Every order, newest first, with time_expire applied. */
  all(): Order[] {
    return [...this.#byOutTradeNo.values()].map((o) => this.#refresh(o)!).reverse();
  }

  /** Applies time_expire: an unpaid order past it is CLOSED (WeChat closes it by itself). */
  #refresh(order: Order | undefined): Order | undefined {
    if (
      order &&
      order.state === 'NOTPAY' &&
      order.timeExpire !== undefined &&
      this.now() >= order.timeExpire
    ) {
      order.state = 'CLOSED';
      order.closedAt = order.timeExpire;
      order.closedBy = 'time_expire';
    }
    return order;
  }
}

/** Sum of refund_fee over an order's refunds (processing ones included: the money is reserved). */
export const refundedFee = (order: Order) => order.refunds.reduce((sum, r) => sum + r.refundFee, 0);
