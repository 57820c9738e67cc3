import { wxPayError } from './errors.js';

/** The length of every APIv2 merchant key (set in the merchant platform). */
export const API_KEY_LENGTH = 32;

/** True when `key` has the shape of an APIv2 key: 32 characters from `[0-9A-Za-z]`. */
export function isApiKey(key: unknown): key is string {
  return typeof key === 'string' && key.length === API_KEY_LENGTH && /^[0-9A-Za-z]+$/.test(key);
}

/**
 * Throws a `config` error unless `key` looks like an APIv2 key: 32 characters from `[0-9A-Za-z]`.
 * A common mistake is passing the AppSecret or the APIv3 key; the message says what to check,
 * never the key itself.
 */
export function requireApiKey(key: unknown, where: string): asserts key is string {
  if (!isApiKey(key)) {
    const got = typeof key === 'string' ? `${key.length} characters` : typeof key;
    throw wxPayError(
      'config',
      'INVALID_ARGUMENT',
      `${where}: the APIv2 key must be 32 letters or digits (got ${got}); ` +
        'it is the key set under API security in the merchant platform, not the AppSecret',
    );
  }
}
