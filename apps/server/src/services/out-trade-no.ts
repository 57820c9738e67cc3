import { createHash, randomBytes } from 'node:crypto';

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

/**
 * The refund number an operator's `Idempotency-Key` stands for on one order: `RK` + 40 hex
 * characters of sha256(order id, key). Derived rather than stored, so a retry of the same request
 * — even one whose first attempt never got an answer — names the same refund, and WeChat (which
 * is idempotent by out_refund_no too) cannot pay it twice.
 */
export function outRefundNoFor(orderId: string, idempotencyKey: string): string {
  const digest = createHash('sha256').update(`${orderId}\n${idempotencyKey}`).digest('hex');
  return `RK${digest.slice(0, 40)}`;
}
