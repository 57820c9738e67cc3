import type { KeyObject } from 'node:crypto';
import { wxPayError } from '../errors.js';
import { nonceStr as newNonceStr } from '../nonce.js';
import { timeStampSeconds } from '../time.js';
import { loadPrivateKey } from './keys.js';
import type { KeyInput } from './keys.js';
import { rsaSign } from './rsa.js';

export interface V3MiniProgramPayInput {
  /** The appid of the order: signed, though `wx.requestPayment` does not take it. */
  appId: string;
  /** The bare `prepay_id` from `/v3/pay/transactions/jsapi`. */
  prepayId: string;
  /** The merchant private key (`apiclient_key.pem`). */
  privateKey: KeyInput;
  /** Seconds since the epoch; default now. */
  timeStamp?: string | number;
  /** Default a fresh 32-character nonce. */
  nonceStr?: string;
}

/** What `wx.requestPayment` takes under APIv3 (docs/protocol.md §5): `signType: 'RSA'`. */
export interface V3MiniProgramPayParams {
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: 'RSA';
  paySign: string;
}

/** The same plus `appId`, for `WeixinJSBridge.invoke('getBrandWCPayRequest')`. */
export interface V3JsapiPayParams extends V3MiniProgramPayParams {
  appId: string;
}

/** `appId\ntimeStamp\nnonceStr\npackage\n`: every line ends in `\n`, the last one too. */
export function v3PaySignMessage(appId: string, timeStamp: string, nonce: string, pkg: string) {
  return `${appId}\n${timeStamp}\n${nonce}\n${pkg}\n`;
}

/**
 * `wx.requestPayment` parameters for an APIv3 order (docs/protocol.md §5, V3 JSAPI / mini-program):
 * `paySign = base64(SHA256withRSA(merchant key, appId\ntimeStamp\nnonceStr\npackage\n))`.
 * Bad input is one `config` `INVALID_ARGUMENT` error listing every problem.
 */
export function buildV3MiniProgramPayParams(input: V3MiniProgramPayInput): V3MiniProgramPayParams {
  const timeStamp = input.timeStamp === undefined ? timeStampSeconds() : String(input.timeStamp);
  const nonce = input.nonceStr ?? newNonceStr(32);
  const problems: string[] = [];
  if (typeof input.appId !== 'string' || !/^wx[0-9a-zA-Z]{16}$/.test(input.appId)) {
    problems.push('appId must be "wx" + 16 letters or digits');
  }
  if (
    typeof input.prepayId !== 'string' ||
    input.prepayId === '' ||
    input.prepayId.startsWith('prepay_id=')
  ) {
    problems.push('prepayId must be the bare prepay_id (without "prepay_id=")');
  }
  if (!/^\d{1,10}$/.test(timeStamp)) problems.push('timeStamp must be up to 10 digits (seconds)');
  if (!/^[0-9A-Za-z]{1,32}$/.test(nonce)) problems.push('nonceStr must be 1..32 letters or digits');
  if (problems.length > 0) {
    throw wxPayError(
      'config',
      'INVALID_ARGUMENT',
      `buildV3MiniProgramPayParams: ${problems.join('; ')}`,
    );
  }
  const key: KeyObject = loadPrivateKey(input.privateKey, 'buildV3MiniProgramPayParams');
  const pkg = `prepay_id=${input.prepayId}`;
  const paySign = rsaSign(v3PaySignMessage(input.appId, timeStamp, nonce, pkg), key);
  return { timeStamp, nonceStr: nonce, package: pkg, signType: 'RSA', paySign };
}

/** {@link buildV3MiniProgramPayParams} plus `appId`, for official-account JSAPI pages. */
export function buildV3JsapiPayParams(input: V3MiniProgramPayInput): V3JsapiPayParams {
  return { appId: input.appId, ...buildV3MiniProgramPayParams(input) };
}
