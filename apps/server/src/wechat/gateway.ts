import {
  buildMiniProgramPayParams,
  createPayClient,
  createWeChatApi,
  parsePaymentNotification,
  parseRefundNotification,
} from '@fen/wxpay';
import type { RefundParams, TokenCache, UnifiedOrderParams } from '@fen/wxpay';
import type { MiniProgramPayParams } from '@fen/contracts';
import type { Config } from '../config.js';

type Fields = Record<string, string>;

/**
 * Everything the server asks of WeChat, in one place, configured once from {@link Config}. All
 * wire work (signing, XML, TLS, verification) is `@fen/wxpay`'s; this only binds the merchant's
 * settings so services never handle keys.
 */
export interface WeChatGateway {
  code2Session(code: string): Promise<{ openid: string; unionid?: string }>;
  /** The order's stored unifiedorder parameters, sent identically on every attempt. */
  unifiedOrder(params: Fields): Promise<Fields>;
  orderQuery(outTradeNo: string): Promise<Fields>;
  closeOrder(outTradeNo: string): Promise<Fields>;
  refund(params: Fields): Promise<Fields>;
  refundQuery(outRefundNo: string): Promise<Fields>;
  /** The signed object for wx.requestPayment. */
  payParams(prepayId: string): MiniProgramPayParams;
  /** Parses and verifies a payment notification (throws a WxPayError when it must be refused). */
  parsePaymentNotification(body: string): Fields;
  /** Checks appid/mch_id and decrypts `req_info` of a refund notification. */
  parseRefundNotification(body: string): { envelope: Fields; info: Fields };
  /** Closes the connection pools. */
  close(): Promise<void>;
}

export function createWeChatGateway(config: Config, tokenCache: TokenCache): WeChatGateway {
  const { pay, wx } = config;
  const client = createPayClient({
    appId: wx.appId,
    mchId: pay.mchId,
    key: pay.key,
    signType: pay.signType,
    baseUrl: pay.apiBase,
    secapiBaseUrl: pay.secapiBase,
    certificate: pay.certificate,
    ...(pay.ca ? { ca: pay.ca } : {}),
    timeoutMs: pay.timeoutMs,
    retries: 1,
  });
  const api = createWeChatApi({
    appId: wx.appId,
    secret: wx.appSecret,
    baseUrl: wx.apiBase,
    tokenCache,
    timeoutMs: pay.timeoutMs,
    ...(pay.ca ? { ca: pay.ca } : {}),
  });
  const verify = { appId: wx.appId, mchId: pay.mchId, key: pay.key };
  return {
    async code2Session(code) {
      // session_key is dropped right here: nothing downstream ever sees it.
      const { openid, unionid } = await api.code2Session(code);
      return unionid ? { openid, unionid } : { openid };
    },
    unifiedOrder: (params) => client.unifiedOrder(params as UnifiedOrderParams),
    orderQuery: (outTradeNo) => client.orderQuery({ out_trade_no: outTradeNo }),
    closeOrder: (outTradeNo) => client.closeOrder({ out_trade_no: outTradeNo }),
    refund: (params) => client.refund(params as RefundParams),
    refundQuery: (outRefundNo) => client.refundQuery({ out_refund_no: outRefundNo }),
    payParams: (prepayId) =>
      buildMiniProgramPayParams({
        appId: wx.appId,
        prepayId,
        key: pay.key,
        signType: pay.signType,
      }),
    parsePaymentNotification: (body) => parsePaymentNotification(body, verify),
    parseRefundNotification: (body) => parseRefundNotification(body, verify),
    async close() {
      await Promise.allSettled([client.close(), api.close()]);
    },
  };
}
