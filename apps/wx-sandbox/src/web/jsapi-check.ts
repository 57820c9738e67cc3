import { timingSafeEqual } from 'node:crypto';
import { canonicalStringV2, isSignType, rsaVerify, signV2, v3PaySignMessage } from '@fen/wxpay';
import type { SignType } from '@fen/wxpay';
import type { SandboxCore } from '../core.js';
import type { ControlError } from '../pay/payer.js';
import type { Order } from '../state/orders.js';
import { v3State } from '../v3/state.js';
import { isControlError, payableOrder } from './payable.js';

/** What a merchant's page passes to `WeixinJSBridge.invoke('getBrandWCPayRequest', …)`. */
export const JSAPI_PAY_FIELDS = [
  'appId',
  'timeStamp',
  'nonceStr',
  'package',
  'signType',
  'paySign',
] as const;

const refuse = (code: string, message: string, status = 400): ControlError => ({
  status,
  code,
  message,
});

/**
 * JSAPI paySign [docs/protocol.md §5]: APIv2 sign of exactly `appId, timeStamp, nonceStr, package,
 * signType` (camelCase names) with the merchant's key, by the algorithm `signType` names.
 */
export function jsapiPaySign(
  params: { appId: string; timeStamp: string; nonceStr: string; package: string },
  signType: SignType,
  key: string,
): string {
  const { appId, timeStamp, nonceStr } = params;
  return signV2({ appId, timeStamp, nonceStr, package: params.package, signType }, key, signType);
}

/** Constant-time comparison of two signatures (different lengths are simply unequal). */
function sameSign(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * What WeChat's client checks before its cashier for `getBrandWCPayRequest` [docs/protocol.md §5]:
 * the six fields are strings (WeChat refuses a numeric timeStamp on some clients), appId is an app
 * bound to a merchant, `package=prepay_id=…` names a payable JSAPI order of that appid placed with
 * the same signType (RSA for an APIv3 order), and paySign is the merchant's sign over the five
 * other fields (APIv2) or its RSA signature over appId, timeStamp, nonceStr and package (APIv3).
 * Returns the order, or the first refusal — as WeChat, whose client shows one reason.
 */
export function checkJsapiPay(
  core: SandboxCore,
  body: Record<string, unknown>,
): Order | ControlError {
  for (const name of JSAPI_PAY_FIELDS) {
    const value = body[name];
    if (value === undefined || value === '') return refuse('LACK_PARAMS', `缺少参数${name}`);
    if (typeof value !== 'string') return refuse('INVALID_PARAMS', `${name} must be a string`);
  }
  const p = body as JsapiPayFields;
  if (!/^[0-9]{1,10}$/.test(p.timeStamp)) {
    return refuse('INVALID_PARAMS', 'timeStamp must be seconds since the epoch, as a string');
  }
  if (p.nonceStr.length > 32) return refuse('INVALID_PARAMS', 'nonceStr is longer than 32');
  if (!isSignType(p.signType) && p.signType !== 'RSA') {
    return refuse(
      'INVALID_SIGN_TYPE',
      'signType must be MD5 or HMAC-SHA256 (APIv2), or RSA (APIv3)',
    );
  }
  if (!core.identities.app(p.appId)) return refuse('UNKNOWN_APPID', `appId ${p.appId} is unknown`);
  const prepayId = /^prepay_id=(.+)$/.exec(p.package)?.[1];
  if (!prepayId) return refuse('INVALID_PACKAGE', 'package must be "prepay_id=<prepay_id>"');
  const order = payableOrder(core, prepayId);
  if (isControlError(order)) return order;
  const merchant = core.merchants.get(order.mchId);
  if (!merchant || !merchant.appIds.includes(p.appId) || order.appId !== p.appId) {
    return refuse('APPID_MISMATCH', `the order was not placed with appId ${p.appId}`);
  }
  if (order.tradeType !== 'JSAPI') {
    return refuse('NOT_JSAPI', `the order's trade_type is ${order.tradeType}, not JSAPI`);
  }
  // An APIv3 order is paid with an RSA paySign; an APIv2 one by its unifiedorder's sign_type.
  if (order.api === 'v3' && p.signType !== 'RSA') {
    return refuse('SIGN_TYPE_MISMATCH', 'signType must be RSA: the order was placed through APIv3');
  }
  if (order.api !== 'v3' && p.signType !== order.signType) {
    return refuse(
      'SIGN_TYPE_MISMATCH',
      `signType must be the sign_type the order was placed with (${order.signType})`,
    );
  }
  const signed =
    order.api === 'v3' ? checkV3PaySign(core, order, p) : checkV2PaySign(p, merchant.key);
  if (!signed.valid) {
    // The signed text holds no secret: it is what lets a merchant find its mistake.
    core.logger({
      level: 'warn',
      msg: 'jsapi paySign mismatch',
      out_trade_no: order.outTradeNo,
      canonical: signed.message,
    });
    return refuse('INVALID_PAY_SIGN', '支付验证签名失败');
  }
  return order;
}

type JsapiPayFields = Record<(typeof JSAPI_PAY_FIELDS)[number], string>;

/** APIv2: the merchant key's sign over the five other fields, by their signType. */
function checkV2PaySign(p: JsapiPayFields, key: string): { valid: boolean; message: string } {
  const signType = p.signType as SignType;
  const { appId, timeStamp, nonceStr } = p;
  return {
    valid: sameSign(jsapiPaySign(p, signType, key), p.paySign),
    message: canonicalStringV2({ appId, timeStamp, nonceStr, package: p.package, signType }),
  };
}

/** APIv3 [docs/protocol.md §5]: SHA256withRSA by the merchant's key over `appId\ntimeStamp\nnonceStr\npackage\n`. */
function checkV3PaySign(
  core: SandboxCore,
  order: Order,
  p: JsapiPayFields,
): { valid: boolean; message: string } {
  const message = v3PaySignMessage(p.appId, p.timeStamp, p.nonceStr, p.package);
  const credentials = v3State(core).credentials.get(order.mchId);
  return {
    valid: credentials !== undefined && rsaVerify(message, p.paySign, credentials.publicKey),
    message,
  };
}
