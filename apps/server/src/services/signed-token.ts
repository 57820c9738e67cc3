import { createHmac, timingSafeEqual } from 'node:crypto';

function sign(payload: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

/**
 * `base64url(JSON value) . base64url(HMAC-SHA256(secret, that))`: a value only this server can
 * have made. Session tokens and OAuth states are both this; they differ in what they carry.
 */
export function issueSignedToken(value: Record<string, unknown>, secret: string): string {
  const payload = Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${payload}.${sign(payload, secret).toString('base64url')}`;
}

/** The value of a genuine token (constant-time signature check), or `undefined`. */
export function readSignedToken(
  token: string,
  secret: string,
): Record<string, unknown> | undefined {
  const [payload, signature, ...rest] = token.split('.');
  if (!payload || !signature || rest.length > 0) return undefined;
  // Compared as the exact text: decoding first would accept many spellings of one signature
  // (padding, unused bits, stray characters), so a token would not be one string.
  const expected = Buffer.from(sign(payload, secret).toString('base64url'));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
