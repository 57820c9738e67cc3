import { createHmac, hash, timingSafeEqual } from 'node:crypto';
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
 * One key layout seen before: the names of an object in insertion order, and the same names
 * sorted for signing (without `sign`) with the `name=` / `&name=` prefixes written in front of
 * each value.
 */
interface Layout {
  keys: string[];
  sorted: string[];
  first: string[];
  next: string[];
}

/**
 * Layouts are cached because sorting the names costs as much as the rest of the canonical
 * string: signing and verifying see the same few layouts over and over (every payment
 * notification, every pay-params object). Only the order of the names is reused — which names
 * have empty values, and the values themselves, are read on every call — and a layout is used
 * only when the names are exactly the same, in the same order. Bounded: a new layout replaces
 * the oldest.
 */
const layouts: Layout[] = [];
const MAX_LAYOUTS = 16;

function layoutOf(params: SignableParams): Layout {
  const keys = Object.keys(params);
  search: for (const layout of layouts) {
    const known = layout.keys;
    if (known.length !== keys.length) continue;
    for (let i = 0; i < keys.length; i += 1) if (known[i] !== keys[i]) continue search;
    return layout;
  }
  // Default sort compares UTF-16 code units: ASCII order for WeChat's (ASCII) names.
  const sorted = keys.filter((name) => name !== 'sign').sort();
  const layout = {
    keys,
    sorted,
    first: sorted.map((name) => name + '='),
    next: sorted.map((name) => '&' + name + '='),
  };
  if (layouts.length >= MAX_LAYOUTS) layouts.shift();
  layouts.push(layout);
  return layout;
}

/**
 * The string APIv2 signs, without `&key=…` [D-sign] (docs/protocol.md §2): every field but `sign`
 * whose value is non-empty, names in ASCII order, `name=value` joined by `&`, raw values (no
 * URL-encoding). Holds no secret, so it is what to log when a signature does not match.
 */
export function canonicalStringV2(params: SignableParams): string {
  const { sorted, first, next } = layoutOf(params);
  let out = '';
  for (let i = 0; i < sorted.length; i += 1) {
    const name = sorted[i] as string;
    const value = params[name];
    if (value === undefined || value === null || value === '') continue;
    let text: string;
    if (typeof value === 'string') {
      text = value;
    } else if (typeof value === 'number') {
      text = String(value);
    } else {
      throw wxPayError(
        'config',
        'INVALID_ARGUMENT',
        `signV2: field ${name} must be a string or a number, not ${typeof value}`,
      );
    }
    out += (out === '' ? first[i] : next[i]) + text;
  }
  return out;
}

/**
 * The APIv2 `sign` [D-sign] (docs/protocol.md §2): uppercase hex of MD5(`stringSignTemp`) or of
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
  // The one-shot crypto.hash (Node ≥ 20.12) is ~30 % cheaper than createHash for a string this size.
  const hex =
    algorithm === 'MD5'
      ? hash('md5', stringSignTemp, 'hex')
      : createHmac('sha256', Buffer.from(key, 'utf8')).update(stringSignTemp, 'utf8').digest('hex');
  return hex.toUpperCase();
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
