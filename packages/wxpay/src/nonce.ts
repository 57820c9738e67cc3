import { randomBytes } from 'node:crypto';
import { wxPayError } from './errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
// 62 × 4 = 248: bytes at or above it are dropped so every character is equally likely.
const UNBIASED_LIMIT = 248;

/**
 * A random alphanumeric `nonce_str` / `nonceStr` (docs/protocol.md §1: ≤ 32 characters), from the
 * system's cryptographic generator.
 */
export function nonceStr(length = 32): string {
  if (!Number.isInteger(length) || length < 1 || length > 32) {
    throw wxPayError('config', 'INVALID_ARGUMENT', 'nonceStr: length must be an integer 1..32');
  }
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte >= UNBIASED_LIMIT) continue;
      out += ALPHABET[byte % ALPHABET.length];
      if (out.length === length) break;
    }
  }
  return out;
}
