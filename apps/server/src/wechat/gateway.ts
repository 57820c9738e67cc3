import {
  wxPayError,
  buildAppPayParams,
  buildJsapiPayParams,
  buildMiniProgramPayParams,
  createPayClient,
  createWeChatApi,
  jssdkSignature,
  nonceStr,
  parsePaymentNotification,
  parseRefundNotification,
  timeStampSeconds,
} from '@fen/wxpay';
import type {
  PayClient,
  RefundParams,
  TokenCache,
  UnifiedOrderParams,
  WeChatApi,
} from '@fen/wxpay';
import type {
  JssdkConfigResponse,
  MiniProgramPayParams,
  PayChannel,
  PaymentData,
} from '@fen/contracts';
import QRCode from 'qrcode';
import type { Config } from '../config.js';
import { appError } from '../errors.js';

type Fields = Record<string, string>;

/** An APIv3 notification as received: its headers and the exact bytes that were signed. */
export interface SignedNotification {
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** What unifiedorder handed back for one attempt, as the order stores it. */
export interface PrepayAttempt {
  prepayId: string;
  codeUrl?: string;
  mwebUrl?: string;
}

/**
 * Everything the server asks of WeChat, in one place, configured once from {@link Config}. All
 * wire work (signing, XML, TLS, verification) is `@fen/wxpay`'s; this only binds the merchant's
 * settings so services never handle keys. Orders name the appid they were placed with (the
 * mini-program, the official account or the mobile app); calls about an order use it.
 */
export interface WeChatGateway {
  code2Session(code: string): Promise<{ openid: string; unionid?: string }>;
  /** Official-account OAuth (`snsapi_base`): the code from the redirect → the openid. */
  oauthOpenid(code: string): Promise<{ openid: string; unionid?: string }>;
  /** Where to send a browser for OAuth, coming back to `redirectUri` with `state`. */
  oauthAuthorizeUrl(redirectUri: string, state: string): string;
  /** `wx.config` data for an official-account page at `url`, signed with the jsapi_ticket. */
  jssdkConfig(url: string): Promise<JssdkConfigResponse>;
  /** The appid a channel pays with, or undefined when that channel is not configured. */
  appIdFor(channel: PayChannel): string | undefined;
  /** The order's stored unifiedorder parameters, sent identically on every attempt. */
  unifiedOrder(params: Fields, appId?: string): Promise<Fields>;
  orderQuery(outTradeNo: string, appId?: string): Promise<Fields>;
  closeOrder(outTradeNo: string, appId?: string): Promise<Fields>;
  refund(params: Fields, appId?: string): Promise<Fields>;
  refundQuery(outRefundNo: string, appId?: string): Promise<Fields>;
  /** The signed object for wx.requestPayment. */
  payParams(prepayId: string): MiniProgramPayParams;
  /** What the channel's client needs to pay this attempt, signed where the channel signs. */
  paymentData(channel: PayChannel, attempt: PrepayAttempt): Promise<PaymentData>;
  /** Parses and verifies a payment notification (throws a WxPayError when it must be refused). */
  parsePaymentNotification(body: string): Fields;
  /** Checks appid/mch_id and decrypts `req_info` of a refund notification. */
  parseRefundNotification(body: string): { envelope: Fields; info: Fields };
  /**
   * APIv3 (`gateway-v3.ts`): verifies the `Wechatpay-*` headers over the exact bytes, decrypts
   * the resource and checks mchid/appid, then returns it under the APIv2 names the payment
   * notification service reads. The APIv2 gateway refuses (`V3_NOT_ENABLED`).
   */
  parseV3PaymentNotification(message: SignedNotification): Promise<Fields>;
  /** The same for REFUND.* notifications, with the refund under req_info's APIv2 names. */
  parseV3RefundNotification(message: SignedNotification): Promise<{ info: Fields }>;
  /** Closes the connection pools. */
  close(): Promise<void>;
}

export function createWeChatGateway(config: Config, tokenCache: TokenCache): WeChatGateway {
  const { pay, wx } = config;
  const oa = wx.officialAccount;
  // Native and H5 pay name the official account when there is one, else the mini-program.
  const channelAppIds: Record<PayChannel, string | undefined> = {
    miniprogram: wx.appId,
    jsapi: oa?.appId,
    app: wx.mobileAppId,
    native: oa?.appId ?? wx.appId,
    h5: oa?.appId ?? wx.appId,
  };
  const appIds = [...new Set(Object.values(channelAppIds).filter((id) => id !== undefined))];
  const clients = new Map<string, PayClient>(
    appIds.map((appId) => [
      appId,
      createPayClient({
        appId,
        mchId: pay.mchId,
        key: pay.key,
        signType: pay.signType,
        baseUrl: pay.apiBase,
        secapiBaseUrl: pay.secapiBase,
        certificate: pay.certificate,
        ...(pay.ca ? { ca: pay.ca } : {}),
        timeoutMs: pay.timeoutMs,
        retries: 1,
      }),
    ]),
  );
  const clientFor = (appId = wx.appId): PayClient => {
    const client = clients.get(appId);
    if (!client) throw new Error(`no pay client for appid ${appId}: not configured`);
    return client;
  };
  const apiOptions = {
    baseUrl: wx.apiBase,
    tokenCache,
    timeoutMs: pay.timeoutMs,
    ...(pay.ca ? { ca: pay.ca } : {}),
  };
  const api = createWeChatApi({ appId: wx.appId, secret: wx.appSecret, ...apiOptions });
  const oaApi: WeChatApi | undefined =
    oa && createWeChatApi({ appId: oa.appId, secret: oa.appSecret, ...apiOptions });
  const requireOa = (): { api: WeChatApi; appId: string } => {
    if (!oa || !oaApi) {
      throw appError('CHANNEL_UNAVAILABLE', 'no official account is configured (WX_OA_APPID)');
    }
    return { api: oaApi, appId: oa.appId };
  };
  const verify = { appIds, mchId: pay.mchId, key: pay.key, signType: pay.signType };
  const signing = { key: pay.key, signType: pay.signType };

  return {
    async code2Session(code) {
      // session_key is dropped right here: nothing downstream ever sees it.
      const { openid, unionid } = await api.code2Session(code);
      return unionid ? { openid, unionid } : { openid };
    },
    async oauthOpenid(code) {
      // The OAuth access_token is not needed for snsapi_base: only the openid is kept.
      const { openid, unionid } = await requireOa().api.oauthAccessToken(code);
      return unionid ? { openid, unionid } : { openid };
    },
    oauthAuthorizeUrl(redirectUri, state) {
      const query = new URLSearchParams({
        appid: requireOa().appId,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'snsapi_base',
        state,
      });
      return `${wx.oauthBase}/connect/oauth2/authorize?${query.toString()}#wechat_redirect`;
    },
    async jssdkConfig(url) {
      const { api: oaWeChat, appId } = requireOa();
      const ticket = await oaWeChat.getJsapiTicket();
      const timestamp = Number(timeStampSeconds());
      const nonce = nonceStr(16);
      return {
        appId,
        timestamp,
        nonceStr: nonce,
        signature: jssdkSignature({ ticket, nonceStr: nonce, timestamp, url }),
      };
    },
    appIdFor: (channel) => channelAppIds[channel],
    unifiedOrder: (params, appId) => clientFor(appId).unifiedOrder(params as UnifiedOrderParams),
    orderQuery: (outTradeNo, appId) => clientFor(appId).orderQuery({ out_trade_no: outTradeNo }),
    closeOrder: (outTradeNo, appId) => clientFor(appId).closeOrder({ out_trade_no: outTradeNo }),
    refund: (params, appId) => clientFor(appId).refund(params as RefundParams),
    refundQuery: (outRefundNo, appId) =>
      clientFor(appId).refundQuery({ out_refund_no: outRefundNo }),
    payParams: (prepayId) => buildMiniProgramPayParams({ appId: wx.appId, prepayId, ...signing }),
    async paymentData(channel, attempt): Promise<PaymentData> {
      const appId = channelAppIds[channel] ?? wx.appId;
      const { prepayId } = attempt;
      switch (channel) {
        case 'miniprogram':
          return { channel, payParams: buildMiniProgramPayParams({ appId, prepayId, ...signing }) };
        case 'jsapi':
          return { channel, payParams: buildJsapiPayParams({ appId, prepayId, ...signing }) };
        case 'app':
          return {
            channel,
            appParams: buildAppPayParams({ appId, mchId: pay.mchId, prepayId, key: pay.key }),
          };
        case 'native': {
          const codeUrl = attempt.codeUrl ?? '';
          return { channel, codeUrl, qrSvg: await QRCode.toString(codeUrl, { type: 'svg' }) };
        }
        case 'h5':
          return { channel, mwebUrl: attempt.mwebUrl ?? '' };
      }
    },
    parsePaymentNotification: (body) => parsePaymentNotification(body, verify),
    parseRefundNotification: (body) => parseRefundNotification(body, verify),
    parseV3PaymentNotification: () => Promise.reject(v3NotEnabled()),
    parseV3RefundNotification: () => Promise.reject(v3NotEnabled()),
    async close() {
      await Promise.allSettled([
        ...[...clients.values()].map((client) => client.close()),
        api.close(),
        oaApi?.close(),
      ]);
    },
  };
}

/** An APIv3 notification reached a server configured for APIv2 (WXPAY_API_VERSION=v2). */
function v3NotEnabled() {
  return wxPayError('notify', 'V3_NOT_ENABLED', 'APIv3 is not configured (WXPAY_API_VERSION=v2)');
}
