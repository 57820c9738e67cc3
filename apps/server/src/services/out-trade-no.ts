import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `n` random base-62 characters (rejection sampling, so every character is equally likely). */
export function randomBase62(n: number): string {
  let out = '';
  while (out.length < n) {
    for (const byte of randomBytes(n * 2)) {
      if (byte < 248 && out.length < n) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

function stamp(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:TZ.]/g, '')
    .slice(0, 14);
}

/**
 * A merchant order number, made once per order and reused on every unifiedorder attempt:
 * `FEN` + UTC yyyyMMddHHmmss + 12 random base-62 characters = 29 characters, all within
 * WeChat's `[0-9A-Za-z_-|*]` and its 32-character limit.
 */
export function newOutTradeNo(now: Date): string {
  return `FEN${stamp(now)}${randomBase62(12)}`;
}

/** A refund number (`RF…`, 29 characters; WeChat allows 64). */
export function newOutRefundNo(now: Date): string {
  return `RF${stamp(now)}${randomBase62(13)}`;
}
