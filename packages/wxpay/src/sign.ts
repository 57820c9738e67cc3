import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { wxPayError } from './errors.js';

/** The APIv2 signature algorithms. */
export type SignType = 'MD5' | 'HMAC-SHA256';

/** Fields to sign: WeChat wire names to values. `undefined`, `null` and `''` are left out. */
export type SignableParams = Readonly<Record<string, string | number | null | undefined>>;

/** True for the two APIv2 algorithms. */
export function isSignType(value: unknown): value is SignType {
  return value === 'MD5' || value === 'HMAC-SHA256';
}

/**
 * The string APIv2 signs, without `&key=…` [D-sign] (protocol §2): every field except `sign`
 * whose value is non-empty, names in ASCII order, `name=value` joined by `&`, raw values (no
 * URL-encoding). Holds no secret, so it is what to log when a signature does not match.
 */
export function canonicalStringV2(params: SignableParams): string {
  const names = Object.keys(params).sort();
  let out = '';
  for (const name of names) {
    if (name === 'sign') continue;
    const value = params[name];
    if (value === undefined || value === null || value === '') continue;
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw wxPayError(
        'config',
        'INVALID_ARGUMENT',
        `signV2: field ${name} must be a string or a number, not ${typeof value}`,
      );
    }
    out += (out === '' ? '' : '&') + name + '=' + String(value);
  }
  return out;
}

/**
 * The APIv2 `sign` [D-sign] (protocol §2): uppercase hex of MD5(`stringSignTemp`) or of
 * HMAC-SHA256(key, `stringSignTemp`), where `stringSignTemp` = {@link canonicalStringV2} +
 * `&key=` + key. `signType` defaults to `params.sign_type` (which, like any field, is signed
 * too), else MD5. Any non-empty key is accepted (published vectors use short ones); the 32-character
 * rule is checked where options are validated.
 */
export function signV2(params: SignableParams, key: string, signType?: SignType): string {
  requireKey(key, 'signV2');
  const algorithm = signType ?? signTypeOf(params.sign_type);
  if (algorithm === undefined) {
    throw wxPayError(
      'config',
      'INVALID_ARGUMENT',
      `signV2: unsupported sign_type ${JSON.stringify(String(params.sign_type))} (MD5 or HMAC-SHA256)`,
    );
  }
  if (!isSignType(algorithm)) {
    throw wxPayError('config', 'INVALID_ARGUMENT', 'signV2: signType must be MD5 or HMAC-SHA256');
  }
  return digest(canonicalStringV2(params) + '&key=' + key, key, algorithm);
}

/**
 * True when `params.sign` is the APIv2 sign of `params` under `key`, compared in constant time.
 * The algorithm is `params.sign_type`, else `defaultSignType` (default MD5); an unknown
 * `sign_type`, or a missing or empty `sign`, is simply not valid.
 */
export function verifyV2(
  params: SignableParams,
  key: string,
  defaultSignType: SignType = 'MD5',
): boolean {
  requireKey(key, 'verifyV2');
  const received = params.sign;
  if (typeof received !== 'string' || received === '') return false;
  const given = params.sign_type;
  const algorithm =
    given === undefined || given === null || given === '' ? defaultSignType : signTypeOf(given);
  if (algorithm === undefined) return false;
  let expected: string;
  try {
    expected = digest(canonicalStringV2(params) + '&key=' + key, key, algorithm);
  } catch {
    return false; // a field that cannot be signed cannot carry a valid sign
  }
  return constantTimeEqual(expected, received);
}

/** `sign_type` as a SignType: absent → MD5, unknown → undefined. */
function signTypeOf(value: SignableParams[string]): SignType | undefined {
  if (value === undefined || value === null || value === '') return 'MD5';
  return isSignType(value) ? value : undefined;
}

function digest(stringSignTemp: string, key: string, algorithm: SignType): string {
  const hash =
    algorithm === 'MD5' ? createHash('md5') : createHmac('sha256', Buffer.from(key, 'utf8'));
  return hash.update(stringSignTemp, 'utf8').digest('hex').toUpperCase();
}

/** Equal strings, in time that depends only on their lengths. */
function constantTimeEqual(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(received, 'utf8');
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

function requireKey(key: unknown, fn: string): void {
  if (typeof key !== 'string' || key === '') {
    throw wxPayError('config', 'INVALID_ARGUMENT', `${fn}: the API key must be a non-empty string`);
  }
}
