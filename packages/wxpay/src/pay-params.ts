import { isApiKey } from './api-key.js';
import { wxPayError } from './errors.js';
import { nonceStr as newNonceStr } from './nonce.js';
import { isSignType, signV2 } from './sign.js';
import type { SignType } from './sign.js';
import { timeStampSeconds } from './time.js';

export interface MiniProgramPayInput {
  /** The appid the order was placed with: signed, though `wx.requestPayment` does not take it. */
  appId: string;
  /** The bare `prepay_id` from unifiedorder (without `prepay_id=`). */
  prepayId: string;
  /** The APIv2 key (32 characters). */
  key: string;
  /** Must be the `sign_type` the order was placed with. Default MD5. */
  signType?: SignType;
  /** Seconds since the epoch; default now. */
  timeStamp?: string | number;
  /** Default a fresh 32-character nonce. */
  nonceStr?: string;
}

/** What `wx.requestPayment` takes (docs/protocol.md §5): camelCase names, exactly these. */
export interface MiniProgramPayParams {
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: SignType;
  paySign: string;
}

/** What `WeixinJSBridge.invoke('getBrandWCPayRequest', …)` takes: the same plus `appId`. */
export interface JsapiPayParams extends MiniProgramPayParams {
  appId: string;
}

export interface AppPayInput {
  appId: string;
  /** The merchant number, sent as `partnerid`. */
  mchId: string;
  prepayId: string;
  key: string;
  timeStamp?: string | number;
  nonceStr?: string;
}

/** What the APP SDK's `PayReq` takes (docs/protocol.md §5): lowercase, `package=Sign=WXPay`. */
export interface AppPayParams {
  appid: string;
  partnerid: string;
  prepayid: string;
  package: 'Sign=WXPay';
  noncestr: string;
  timestamp: string;
  sign: string;
}

/**
 * Mini-program `wx.requestPayment` parameters (docs/protocol.md §5) [S-easywechat-utils]: `paySign`
 * is the APIv2 sign of `{appId, nonceStr, package, signType, timeStamp}` — a fresh sign, never
 * unifiedorder's. Invalid input throws `WxPayError` kind `config`, code `INVALID_ARGUMENT`.
 */
export function buildMiniProgramPayParams(input: MiniProgramPayInput): MiniProgramPayParams {
  const { appId, ...params } = signedJsapiParams(input, 'buildMiniProgramPayParams');
  void appId; // signed, but not a parameter of wx.requestPayment
  return params;
}

/** The same five signed fields for an official-account page, with `appId` included. */
export function buildJsapiPayParams(input: MiniProgramPayInput): JsapiPayParams {
  return signedJsapiParams(input, 'buildJsapiPayParams');
}

function signedJsapiParams(input: MiniProgramPayInput, fn: string): JsapiPayParams {
  const problems = commonProblems(input);
  const signType = input.signType ?? 'MD5';
  if (!isSignType(signType)) problems.push('signType must be MD5 or HMAC-SHA256');
  throwIfAny(fn, problems);
  const unsigned = {
    appId: input.appId,
    timeStamp: timeStampOf(input),
    nonceStr: input.nonceStr ?? newNonceStr(),
    package: `prepay_id=${input.prepayId}`,
    signType,
  };
  return { ...unsigned, paySign: signV2(unsigned, input.key, signType) };
}

/**
 * APP pay parameters (docs/protocol.md §5) [S-tenpay][D-app]: MD5 APIv2 sign of `{appid, partnerid,
 * prepayid, package: 'Sign=WXPay', noncestr, timestamp}`, returned as `sign`.
 */
export function buildAppPayParams(input: AppPayInput): AppPayParams {
  const problems = commonProblems(input);
  if (typeof input.mchId !== 'string' || !/^[0-9]{1,32}$/.test(input.mchId)) {
    problems.push('mchId must be the merchant number (digits)');
  }
  throwIfAny('buildAppPayParams', problems);
  const unsigned = {
    appid: input.appId,
    partnerid: input.mchId,
    prepayid: input.prepayId,
    package: 'Sign=WXPay' as const,
    noncestr: input.nonceStr ?? newNonceStr(),
    timestamp: timeStampOf(input),
  };
  return { ...unsigned, sign: signV2(unsigned, input.key, 'MD5') };
}

function commonProblems(input: Omit<MiniProgramPayInput, 'signType'>): string[] {
  const problems: string[] = [];
  if (typeof input.appId !== 'string' || !/^wx[0-9A-Za-z]{16}$/.test(input.appId)) {
    problems.push('appId must be "wx" followed by 16 letters or digits');
  }
  if (typeof input.prepayId !== 'string' || !/^[!-~]{1,128}$/.test(input.prepayId)) {
    problems.push('prepayId must be the prepay_id from unifiedorder');
  } else if (input.prepayId.startsWith('prepay_id=')) {
    problems.push('prepayId must be the bare prepay_id, without "prepay_id="');
  }
  if (!isApiKey(input.key)) {
    problems.push('key must be the 32-character APIv2 key (not the AppSecret)');
  }
  const { timeStamp, nonceStr } = input;
  if (timeStamp !== undefined && !/^[0-9]{1,10}$/.test(String(timeStamp))) {
    problems.push('timeStamp must be seconds since the epoch (up to 10 digits)');
  }
  if (
    nonceStr !== undefined &&
    (typeof nonceStr !== 'string' || !/^[0-9A-Za-z]{1,32}$/.test(nonceStr))
  ) {
    problems.push('nonceStr must be 1 to 32 letters or digits');
  }
  return problems;
}

function timeStampOf(input: { timeStamp?: string | number }): string {
  return input.timeStamp === undefined ? timeStampSeconds() : String(input.timeStamp);
}

function throwIfAny(fn: string, problems: string[]): void {
  if (problems.length > 0) {
    throw wxPayError('config', 'INVALID_ARGUMENT', `${fn}: ${problems.join('; ')}`);
  }
}
