import { createHash } from 'node:crypto';
import { fromXml, isWxPayError } from '@fen/wxpay';
import type { NotificationRequest, RefusedNotification } from './payment-reports.js';

/** Who notifications must be addressed to: the configured appids and the merchant number. */
export interface Addressee {
  appIds: readonly string[];
  mchId: string;
}

/** At most this many field names are logged; the rest are counted. */
const MAX_FIELD_NAMES = 40;
/** A field name worth logging: short and plain (anything else is only counted). */
const PLAIN_NAME = /^[A-Za-z0-9_-]{1,32}$/;

/** The notification's field names (v2: the XML's; v3: the JSON's top level), or none. */
function fieldsOf(request: NotificationRequest): Record<string, unknown> | undefined {
  try {
    if (request.api === 'v2') return fromXml(request.body);
    const parsed: unknown = JSON.parse(request.body.toString('utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined; // not even XML / JSON: the length and the hash say the rest
  }
}

/** APIv2's sign_type, as far as it is one of WeChat's words (docs/pitfalls.md #1). */
function signTypeOf(fields: Record<string, unknown> | undefined): string | undefined {
  if (fields === undefined) return undefined;
  const stated = fields.sign_type;
  if (stated === undefined || stated === '') return 'unstated';
  return stated === 'MD5' || stated === 'HMAC-SHA256' ? stated : 'other';
}

/** Whether a field was ours, from the v2 fields or (v3, whose resource is sealed) the refusal. */
function matched(
  code: string,
  value: unknown,
  mismatchCode: string,
  ours: (value: string) => boolean,
): boolean | undefined {
  if (code === mismatchCode) return false;
  return typeof value === 'string' ? ours(value) : undefined;
}

/**
 * A refused notification as WeChat is answered and as the log records it — bounded, whatever was
 * sent: which check failed, whether appid and mch_id were ours, the sign_type and the field names
 * (capped; with the algorithm, what a signature was computed over, docs/pitfalls.md #1), the
 * body's length and SHA-256. Never the body nor any field's value: a refused body is anyone's
 * (an unsigned 63 KB request must not add 63 KB to the log), and a genuine one holds a payer's
 * data. The hash lets an operator match a logged refusal with a body WeChat's records show.
 */
export function refusal(
  err: unknown,
  request: NotificationRequest,
  addressee: Addressee,
): RefusedNotification {
  const code = isWxPayError(err) ? err.code : 'INVALID';
  const fields = fieldsOf(request);
  const names = fields ? Object.keys(fields) : [];
  const plain = names.filter((name) => PLAIN_NAME.test(name));
  const logged = plain.slice(0, MAX_FIELD_NAMES);
  return {
    accepted: false,
    code,
    log: {
      check: isWxPayError(err) ? err.code : 'ERROR',
      api: request.api,
      appIdMatched: matched(code, fields?.appid, 'NOTIFY_APPID_MISMATCH', (v) =>
        addressee.appIds.includes(v),
      ),
      mchIdMatched: matched(
        code,
        request.api === 'v2' ? fields?.mch_id : undefined,
        'NOTIFY_MCHID_MISMATCH',
        (v) => v === addressee.mchId,
      ),
      ...(request.api === 'v2' ? { signType: signTypeOf(fields) } : {}),
      fieldNames: logged,
      ...(names.length > logged.length ? { otherFields: names.length - logged.length } : {}),
      bodyBytes: request.body.length,
      bodySha256: createHash('sha256').update(request.body).digest('hex'),
    },
  };
}
