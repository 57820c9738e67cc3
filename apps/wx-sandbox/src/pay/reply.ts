import { nonceStr, signV2, toXml } from '@fen/wxpay';
import type { SignType } from '@fen/wxpay';
import type { SandboxMerchant } from '../options.js';

/** Why a request failed before any business logic: answered `return_code=FAIL`, no sign. */
export type ProtocolReason =
  | 'METHOD'
  | 'EMPTY'
  | 'TOO_LARGE'
  | 'NOT_UTF8'
  | 'XML'
  | 'MISSING'
  | 'FORMAT'
  | 'MCHID'
  | 'APPID'
  | 'SIGN'
  | 'CERT';

export interface ProtocolFailure {
  kind: 'protocol';
  reason: ProtocolReason;
  message: string;
}

/** What a pay handler decided. */
export type PayOutcome =
  | { kind: 'success'; fields: Record<string, string> }
  | { kind: 'business'; errCode: string; errCodeDes: string; fields?: Record<string, string> }
  | { kind: 'raw'; body: string | Buffer; contentType: string; headers?: Record<string, string> }
  | { kind: 'xml'; fields: Record<string, string> };

export const protocolFailure = (reason: ProtocolReason, message: string): ProtocolFailure => ({
  kind: 'protocol',
  reason,
  message,
});

export const success = (fields: Record<string, string> = {}): PayOutcome => ({
  kind: 'success',
  fields,
});

export const businessError = (
  errCode: string,
  errCodeDes: string,
  fields?: Record<string, string>,
): PayOutcome => ({
  kind: 'business',
  errCode,
  errCodeDes,
  ...(fields ? { fields } : {}),
});

/** `return_code=FAIL` with `return_msg`: no appid, no nonce, no sign [docs/protocol.md §1]. */
export const protocolFailXml = (message: string, extra: Record<string, string> = {}) =>
  toXml({ return_code: 'FAIL', return_msg: message, ...extra });

/**
 * A signed reply to an authenticated request: the common fields (appid, mch_id, device_info when
 * the request had one, a fresh nonce_str), result_code and, on failure, err_code/err_code_des;
 * signed with the request's sign type [docs/protocol.md §1, §2].
 */
export function signedReplyXml(
  request: {
    merchant: SandboxMerchant;
    appId: string;
    signType: SignType;
    params: Record<string, string>;
  },
  outcome: Extract<PayOutcome, { kind: 'success' | 'business' }>,
): string {
  const fields: Record<string, string> = {
    return_code: 'SUCCESS',
    return_msg: 'OK',
    appid: request.appId,
    mch_id: request.merchant.mchId,
    ...(request.params.device_info ? { device_info: request.params.device_info } : {}),
    nonce_str: nonceStr(),
    result_code: outcome.kind === 'success' ? 'SUCCESS' : 'FAIL',
    ...(outcome.kind === 'business'
      ? { err_code: outcome.errCode, err_code_des: outcome.errCodeDes }
      : {}),
    ...outcome.fields,
  };
  return toXml({ ...fields, sign: signV2(fields, request.merchant.key, request.signType) });
}
