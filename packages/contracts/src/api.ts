import type { Fen } from './money.js';
import type { Order, OrderTimelineEntry, PayChannel, Refund } from './order.js';

/** POST /api/session */
export interface CreateSessionRequest {
  /** The code from wx.login(). */
  code: string;
}
export interface User {
  id: string;
  openid: string;
  createdAt: string;
}
export interface CreateSessionResponse {
  /** Bearer token for every /api call; it expires. */
  token: string;
  expiresAt: string;
  user: User;
}

/** GET /api/products */
export interface Product {
  id: string;
  name: string;
  description: string;
  priceFen: Fen;
  imageUrl?: string;
}
export interface ProductListResponse {
  products: Product[];
}

/** POST /api/orders */
export interface CreateOrderRequest {
  items: Array<{ productId: string; quantity: number }>;
  channel?: PayChannel;
}

/** What wx.requestPayment takes, exactly as the server signed it. Pass it through unchanged. */
export interface MiniProgramPayParams {
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: 'MD5' | 'HMAC-SHA256' | 'RSA';
  paySign: string;
}

/** What `WeixinJSBridge.invoke('getBrandWCPayRequest', …)` takes in an official account's page. */
export interface JsapiPayParams extends MiniProgramPayParams {
  appId: string;
}

/** What the APP SDK's `PayReq` takes: lowercase names, `package=Sign=WXPay`. */
export interface AppPayParams {
  appid: string;
  partnerid: string;
  prepayid: string;
  package: 'Sign=WXPay';
  noncestr: string;
  timestamp: string;
  sign: string;
}

/** The data a channel's client needs to pay, exactly as the server signed it. */
export type PaymentData =
  | { channel: 'miniprogram'; payParams: MiniProgramPayParams }
  | { channel: 'jsapi'; payParams: JsapiPayParams }
  | { channel: 'app'; appParams: AppPayParams }
  /** Native: show `code_url` as a QR code (`qrSvg` is one, ready to show) for WeChat to scan. */
  | { channel: 'native'; codeUrl: string; qrSvg: string }
  /** H5: send the browser to `mwebUrl` (append `&redirect_url=` to come back). */
  | { channel: 'h5'; mwebUrl: string };

export interface CreateOrderResponse {
  order: Order;
  payment: PaymentData;
  /** The mini-program channel's `wx.requestPayment` object (the same as `payment.payParams`). */
  payParams?: MiniProgramPayParams;
}

/** POST /api/orders/:id/pay */
export interface PayOrderRequest {
  /** Pay through another channel: the open attempt is closed at WeChat first. */
  channel?: PayChannel;
}
export interface PayOrderResponse {
  order: Order;
  payment: PaymentData;
  payParams?: MiniProgramPayParams;
}

/** POST /api/guest-session: a shopper without a WeChat identity (Native and H5 pay only). */
export type GuestSessionResponse = CreateSessionResponse;

/** GET /api/oa/jssdk-config?url=…: what the official account's page passes to `wx.config`. */
export interface JssdkConfigResponse {
  appId: string;
  timestamp: number;
  nonceStr: string;
  signature: string;
}

/** GET /api/orders */
export interface OrderListResponse {
  orders: Order[];
}

/** GET /api/orders/:id, POST /api/orders/:id/cancel */
export interface OrderResponse {
  order: Order;
}

/** POST /admin/orders/:id/refunds */
export interface CreateRefundRequest {
  amountFen: Fen;
  reason?: string;
  /**
   * Names the refund so a retried request is the same refund. Give this or an
   * `Idempotency-Key` header (exactly one); the server refuses a refund named by neither.
   */
  outRefundNo?: string;
}
export interface CreateRefundResponse {
  order: Order;
  refund: Refund;
}

/** GET /healthz */
export interface HealthResponse {
  ok: boolean;
  database: 'up' | 'down';
  redis: 'up' | 'down' | 'not-configured';
  /** For operators: what needs acting on soon (a merchant certificate about to expire); no secrets. */
  warnings?: string[];
}

/** GET /admin/orders, GET /admin/orders/:id: an order as the operator sees it. */
export interface AdminOrder extends Order {
  userId: string;
  /** Attempts, notifications, queries, transitions and refunds, oldest first. */
  timeline: OrderTimelineEntry[];
  refunds: Refund[];
  /** Things a human must look at (e.g. an amount mismatch); never applied automatically. */
  anomalies: Array<{ kind: string; detail: string; createdAt: string }>;
}
export interface AdminOrderListResponse {
  orders: AdminOrder[];
}
export interface AdminOrderResponse {
  order: AdminOrder;
}
