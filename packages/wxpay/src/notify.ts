import { isApiKey } from './api-key.js';
import { isWxPayError, wxPayError } from './errors.js';
import { decryptRefundInfo } from './refund-crypto.js';
import { canonicalStringV2, isSignType, verifyV2 } from './sign.js';
import type { SignType } from './sign.js';
import { toXml, fromXml } from './xml.js';
import type { FromXmlOptions } from './xml.js';

/** Who a notification must be addressed to, and the key that proves it came from WeChat. */
export type NotifyOptions = {
  /** The merchant number the notification must carry as `mch_id`. */
  mchId: string;
  /** The APIv2 key (32 characters). */
  key: string;
  /**
   * The algorithm the orders were placed with, used when a notification carries no
   * `sign_type` (docs/protocol.md §2: notifications are signed like the request). Default MD5.
   */
  signType?: SignType;
  /** Body size limit in bytes. Default 1 MiB. */
  maxBytes?: number;
} & ({ appId: string } | { appIds: readonly string[] });

/** A refund notification: its outer fields and the decrypted `req_info`. */
export interface RefundNotification {
  /** return_code, return_msg, appid, mch_id, nonce_str, req_info. */
  envelope: Record<string, string>;
  /** transaction_id, out_trade_no, refund_id, out_refund_no, refund_status, … */
  info: Record<string, string>;
}

/**
 * Parses and verifies a payment notification (docs/protocol.md §4.1) [D-notify], failing closed.
 * Checks, in order: well-formed `<xml>` (`NOTIFY_MALFORMED`), `return_code=SUCCESS`
 * (`NOTIFY_RETURN_FAIL`), a `sign` present (`NOTIFY_SIGN_MISSING`), `appid` one of ours
 * (`NOTIFY_APPID_MISMATCH`), `mch_id` ours (`NOTIFY_MCHID_MISMATCH`), the sign valid
 * (`NOTIFY_SIGN_INVALID`; the message holds the algorithm and canonical string, never the key).
 * All are `WxPayError` kind `notify`; bad options are kind `config`. Returns every field as
 * received. `result_code=FAIL` is a genuine "payment failed" notification and is returned: the
 * caller must still check `result_code`, the order and the exact `total_fee`.
 */
export function parsePaymentNotification(
  body: string | Uint8Array,
  options: NotifyOptions,
): Record<string, string> {
  const appIds = checkOptions(options, 'parsePaymentNotification');
  const fields = parseBody(body, options);
  if (fields.sign === undefined || fields.sign === '') {
    throw notifyError('NOTIFY_SIGN_MISSING', 'the notification carries no sign', fields);
  }
  checkAddressee(fields, appIds, options.mchId);
  const signType = fields.sign_type || (options.signType ?? 'MD5');
  if (!isSignType(signType)) {
    throw notifyError('NOTIFY_SIGN_INVALID', 'unsupported sign_type in the notification', fields);
  }
  if (!verifyV2(fields, options.key, signType)) {
    throw notifyError(
      'NOTIFY_SIGN_INVALID',
      `the sign does not match (${signType} over "${canonicalStringV2(fields)}&key=<APIv2 key>")`,
      fields,
    );
  }
  return fields;
}

/**
 * Parses a refund result notification (docs/protocol.md §4.2) [D-refund-notify]. It has no sign:
 * `appid` and `mch_id` are checked, then `req_info` must decrypt with the APIv2 key, which is
 * what proves it came from WeChat. Errors as {@link parsePaymentNotification}, plus
 * `REFUND_INFO_BASE64_INVALID` / `REFUND_INFO_DECRYPT_FAILED`.
 */
export function parseRefundNotification(
  body: string | Uint8Array,
  options: NotifyOptions,
): RefundNotification {
  const appIds = checkOptions(options, 'parseRefundNotification');
  const envelope = parseBody(body, options);
  checkAddressee(envelope, appIds, options.mchId);
  const reqInfo = envelope.req_info;
  if (reqInfo === undefined || reqInfo === '') {
    throw notifyError('NOTIFY_MALFORMED', 'the refund notification has no req_info', envelope);
  }
  return { envelope, info: decryptRefundInfo(reqInfo, options.key) };
}

/**
 * The reply WeChat expects to a notification (docs/protocol.md §4.1): `SUCCESS`/`OK` when it was
 * handled (durably), else `FAIL` with a short reason, which makes WeChat send it again.
 */
/** Half of a UTF-16 pair on its own: it has no UTF-8 form. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function notifyReply(ok: boolean, message?: string): string {
  const cleaned = (message ?? (ok ? 'OK' : 'FAIL'))
    // eslint-disable-next-line no-control-regex -- XML cannot carry these; a reply must not throw
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, ' ')
    .replace(LONE_SURROGATE, '\uFFFD');
  // 128 characters, counted by code point so an emoji is never cut in half.
  const text = Array.from(cleaned).slice(0, 128).join('');
  return toXml({ return_code: ok ? 'SUCCESS' : 'FAIL', return_msg: text });
}

function parseBody(body: string | Uint8Array, options: NotifyOptions): Record<string, string> {
  let fields: Record<string, string>;
  try {
    const xmlOptions: FromXmlOptions = {};
    if (options.maxBytes !== undefined) xmlOptions.maxBytes = options.maxBytes;
    fields = fromXml(body, xmlOptions);
  } catch (err) {
    const why = isWxPayError(err) ? err.message.replace(/^fromXml: /, '') : 'unreadable body';
    throw wxPayError('notify', 'NOTIFY_MALFORMED', `notification: ${why}`, { cause: err });
  }
  if (fields.return_code === undefined) {
    throw notifyError('NOTIFY_MALFORMED', 'the notification has no return_code', fields);
  }
  if (fields.return_code !== 'SUCCESS') {
    const returnMsg = fields.return_msg ?? '';
    throw wxPayError(
      'notify',
      'NOTIFY_RETURN_FAIL',
      `notification: return_code ${fields.return_code} ${returnMsg}`.trim(),
      { returnMsg, reply: fields },
    );
  }
  return fields;
}

function checkAddressee(
  fields: Record<string, string>,
  appIds: readonly string[],
  mchId: string,
): void {
  if (fields.appid === undefined || !appIds.includes(fields.appid)) {
    throw notifyError(
      'NOTIFY_APPID_MISMATCH',
      `appid ${JSON.stringify(fields.appid ?? null)} is not ours (${appIds.join(', ')})`,
      fields,
    );
  }
  if (fields.mch_id !== mchId) {
    throw notifyError(
      'NOTIFY_MCHID_MISMATCH',
      `mch_id ${JSON.stringify(fields.mch_id ?? null)} is not ours (${mchId})`,
      fields,
    );
  }
}

/** Validates the options (all problems in one `config` error) and returns the accepted appids. */
function checkOptions(options: NotifyOptions, fn: string): readonly string[] {
  if (options === null || typeof options !== 'object') {
    throw wxPayError(
      'config',
      'INVALID_OPTIONS',
      `${fn}: options {appId, mchId, key} are required`,
    );
  }
  const problems: string[] = [];
  const appIds = 'appIds' in options ? options.appIds : [options.appId];
  if (
    !Array.isArray(appIds) ||
    appIds.length === 0 ||
    !appIds.every((id) => typeof id === 'string' && /^wx[0-9A-Za-z]{16}$/.test(id))
  ) {
    problems.push('appId / appIds must be "wx" followed by 16 letters or digits');
  }
  if (typeof options.mchId !== 'string' || !/^[0-9]{1,32}$/.test(options.mchId)) {
    problems.push('mchId must be the merchant number (digits)');
  }
  if (!isApiKey(options.key)) {
    problems.push('key must be the 32-character APIv2 key (not the AppSecret)');
  }
  if (options.signType !== undefined && !isSignType(options.signType)) {
    problems.push('signType must be MD5 or HMAC-SHA256');
  }
  if (
    options.maxBytes !== undefined &&
    !(Number.isInteger(options.maxBytes) && options.maxBytes > 0)
  ) {
    problems.push('maxBytes must be a positive integer');
  }
  if (problems.length > 0) {
    throw wxPayError('config', 'INVALID_OPTIONS', `${fn}: ${problems.join('; ')}`);
  }
  return appIds;
}

function notifyError(code: string, message: string, fields: Record<string, string>) {
  return wxPayError('notify', code, `notification: ${message}`, { reply: fields });
}
