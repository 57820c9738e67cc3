import type { AppPayParams, JsapiPayParams, MiniProgramPayParams } from '@fen/contracts';

/**
 * What a channel's client needs signed, for a prepay_id of the given appid. Each API version
 * signs its own way (APIv2 with the merchant key, APIv3 with the merchant's RSA key); which
 * channel gets which is the channel table's (`services/pay-channels.ts`).
 */
export interface PaySigner {
  /** The object for `wx.requestPayment`. */
  miniProgram(appId: string, prepayId: string): MiniProgramPayParams;
  /** The object for `WeixinJSBridge.invoke('getBrandWCPayRequest')`: the same plus `appId`. */
  jsapi(appId: string, prepayId: string): JsapiPayParams;
  /** The APP SDK's `PayReq`. */
  app(appId: string, prepayId: string): AppPayParams;
}
