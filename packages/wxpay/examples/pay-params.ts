/**
 * What each channel's client needs to pay, after `unifiedorder` (APIv2). The mini-program,
 * JSAPI and APP get signed parameters built locally from the prepay_id; Native gets a `code_url`
 * to show as a QR code, H5 an `mweb_url` to open. Amounts are integer fen, as strings.
 */
import { buildAppPayParams, buildJsapiPayParams, buildMiniProgramPayParams } from '@fen/wxpay';
import type { AppPayParams, JsapiPayParams, MiniProgramPayParams, PayClient } from '@fen/wxpay';

/** One order, as the shop prices it. */
export interface Order {
  outTradeNo: string;
  totalFen: number;
  description: string;
  /** The payer's address (`spbill_create_ip`). */
  clientIp: string;
  notifyUrl: string;
}

/** The merchant's keys for the local builders; `appId` is the channel's own appid. */
export interface Signer {
  appId: string;
  mchId: string;
  key: string;
}

function unifiedOrderFields(order: Order, tradeType: string) {
  return {
    body: order.description,
    out_trade_no: order.outTradeNo,
    total_fee: String(order.totalFen),
    spbill_create_ip: order.clientIp,
    notify_url: order.notifyUrl,
    trade_type: tradeType,
  };
}

/** Mini-program: `wx.requestPayment(params)` in the mini-program. */
export async function miniProgramPay(
  client: PayClient,
  signer: Signer,
  order: Order,
  openid: string,
): Promise<MiniProgramPayParams> {
  const reply = await client.unifiedOrder({ ...unifiedOrderFields(order, 'JSAPI'), openid });
  return buildMiniProgramPayParams({
    appId: signer.appId,
    key: signer.key,
    prepayId: reply.prepay_id!,
  });
}

/** Official account (JSAPI): `WeixinJSBridge.invoke('getBrandWCPayRequest', params, …)`. */
export async function jsapiPay(
  client: PayClient,
  signer: Signer,
  order: Order,
  openid: string,
): Promise<JsapiPayParams> {
  const reply = await client.unifiedOrder({ ...unifiedOrderFields(order, 'JSAPI'), openid });
  return buildJsapiPayParams({ appId: signer.appId, key: signer.key, prepayId: reply.prepay_id! });
}

/** A mobile app: the APP SDK's `PayReq` fields (`package` is `Sign=WXPay`). */
export async function appPay(
  client: PayClient,
  signer: Signer,
  order: Order,
): Promise<AppPayParams> {
  const reply = await client.unifiedOrder(unifiedOrderFields(order, 'APP'));
  return buildAppPayParams({
    appId: signer.appId,
    mchId: signer.mchId,
    key: signer.key,
    prepayId: reply.prepay_id!,
  });
}

/** Native: a `weixin://wxpay/…` URL to show as a QR code; `productId` is the shop's own id. */
export async function nativePay(
  client: PayClient,
  order: Order,
  productId: string,
): Promise<string> {
  const reply = await client.unifiedOrder({
    ...unifiedOrderFields(order, 'NATIVE'),
    product_id: productId,
  });
  return reply.code_url!;
}

/**
 * H5 (a mobile browser outside WeChat): open the `mweb_url`, with `&redirect_url=` appended to
 * come back. WeChat wants the site named in `scene_info`.
 */
export async function h5Pay(
  client: PayClient,
  order: Order,
  site: { name: string; url: string },
): Promise<string> {
  const reply = await client.unifiedOrder({
    ...unifiedOrderFields(order, 'MWEB'),
    scene_info: JSON.stringify({
      h5_info: { type: 'Wap', wap_url: site.url, wap_name: site.name },
    }),
  });
  return reply.mweb_url!;
}
