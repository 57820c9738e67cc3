/**
 * What WeChat Pay tells the server, in the server's own terms: the same types whichever API
 * version the gateway speaks. The gateways map the wire (APIv2 XML fields, APIv3 JSON) to these;
 * the services read nothing else.
 */

/** A payment attempt as the order stores it: sent identically on every re-entry (docs/pitfalls.md #14). */
export interface StoredAttempt {
  /** The appid the order was placed with (absent on orders older than channels: the mini-program). */
  appId?: string | undefined;
  /** unifiedorder's business fields, under WeChat's names, as stored. */
  unifiedOrderParams: Record<string, string>;
}

/** What prepay placed: the attempt's handle, and what Native (QR) and H5 (redirect) show. */
export interface PrepayAttempt {
  prepayId: string;
  codeUrl?: string;
  mwebUrl?: string;
}

/**
 * WeChat's state of a payment (APIv2 and APIv3 `trade_state`: SUCCESS, REFUND, NOTPAY,
 * USERPAYING, CLOSED, REVOKED, PAYERROR); `UNKNOWN` for a word WeChat did not document.
 */
export type PaymentStateAtWeChat =
  'PAID' | 'REFUNDED' | 'NOT_PAID' | 'PAYING' | 'CLOSED' | 'REVOKED' | 'FAILED' | 'UNKNOWN';

/** What WeChat reports paid: the order checks each part before it believes it (docs/pitfalls.md #7). */
export interface PaidReport {
  transactionId?: string;
  /** Integer fen; absent when WeChat named no amount, or not one in integer fen. */
  totalFen?: number;
  paidAt?: Date;
  /** The appid the payment names (notifications; a query is asked with the order's own). */
  appId?: string;
  /** The currency the payment names (notifications); absent means CNY, as WeChat documents. */
  currency?: string;
}

/** A payment as WeChat's query answers it. */
export interface WeChatPayment extends PaidReport {
  outTradeNo: string;
  state: PaymentStateAtWeChat;
}

/**
 * Where a refund stands at WeChat. The three final words are APIv2's, which the stored refund
 * claims use; APIv3's CLOSED and ABNORMAL are REFUNDCLOSE and CHANGE here.
 */
export type RefundStateAtWeChat = 'PROCESSING' | 'SUCCESS' | 'REFUNDCLOSE' | 'CHANGE';

/** A refund as WeChat reports it (refund reply, query or notification). */
export interface WeChatRefund {
  outRefundNo: string;
  outTradeNo: string;
  refundId?: string;
  transactionId?: string;
  state: RefundStateAtWeChat;
  /** Integer fen; absent when WeChat named none in integer fen. */
  refundFen?: number;
}

/** What to ask of a refund: the order, the amounts and where to notify (APIv2 and APIv3 alike). */
export interface RefundRequest {
  outTradeNo: string;
  outRefundNo: string;
  totalFen: number;
  refundFen: number;
  reason?: string;
  notifyUrl: string;
}

/** A notification as received: which API's route it reached, its headers and its exact bytes. */
export interface NotificationRequest {
  /** `v2`: XML on `/wxpay/notify`; `v3`: JSON with `Wechatpay-*` headers on `/wxpay/v3/notify`. */
  api: 'v2' | 'v3';
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * Whether a notification's outcome stands as reported, or must be confirmed by a query first.
 * APIv2 refund notifications must be confirmed: their req_info is AES-ECB, whose blocks can be
 * rearranged into another well-formed notification undetected (found by the fuzz tests).
 */
export type NotificationTrust = 'AS_REPORTED' | 'CONFIRM_BY_QUERY';

/** A verified payment notification. */
export interface PaymentNotificationReport extends PaidReport {
  outTradeNo: string;
  /** `PAID`: WeChat took the money; `FAILED`: a genuine "the payment failed" (APIv2). */
  outcome: 'PAID' | 'FAILED';
  /** WeChat's own code for a failed payment. */
  failureCode?: string;
  /** Differs between two sends of the same news (APIv2 nonce_str, APIv3 notification id). */
  notificationId: string;
  trust: NotificationTrust;
  /** What the payment event stores: the notification's fields as they have always been stored. */
  record: Record<string, string>;
}

/** A verified refund notification. */
export interface RefundNotificationReport {
  refund: WeChatRefund;
  trust: NotificationTrust;
  /** What the payment event stores (and an anomaly keeps): the refund's fields. */
  record: Record<string, string>;
}

/** A notification the gateway refused, with WeChat's answer code and what to log about it. */
export interface RefusedNotification {
  accepted: false;
  /** Answered to WeChat (e.g. `NOTIFY_SIGN_INVALID`, `V3_SIGNATURE_INVALID`). */
  code: string;
  /** What was signed and how, never the key (docs/pitfalls.md #1). */
  log: Record<string, unknown>;
}

export type ParsedNotification<R> = { accepted: true; report: R } | RefusedNotification;
