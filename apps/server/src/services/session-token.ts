import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a session token carries: the user id and when it stops being valid. */
export interface SessionClaims {
  userId: string;
  /** Expiry, seconds since epoch. */
  exp: number;
}

function sign(payload: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

/**
 * Our own session token: `base64url(JSON claims) . base64url(HMAC-SHA256(secret, claims))`.
 * WeChat's session_key is never part of it (it never leaves the server).
 */
export function issueSessionToken(claims: SessionClaims, secret: string): string {
  const payload = Buffer.from(JSON.stringify({ sub: claims.userId, exp: claims.exp })).toString(
    'base64url',
  );
  return `${payload}.${sign(payload, secret).toString('base64url')}`;
}

/** The claims of a genuine, unexpired token, or `undefined` (constant-time signature check). */
export function verifySessionToken(
  token: string,
  secret: string,
  nowSeconds: number,
): SessionClaims | undefined {
  const [payload, signature, ...rest] = token.split('.');
  if (!payload || !signature || rest.length > 0) return undefined;
  const expected = sign(payload, secret);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof claims !== 'object' || claims === null) return undefined;
  const { sub, exp } = claims as { sub?: unknown; exp?: unknown };
  if (typeof sub !== 'string' || typeof exp !== 'number' || exp <= nowSeconds) return undefined;
  return { userId: sub, exp };
}
