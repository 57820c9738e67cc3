import { issueSignedToken, readSignedToken } from './signed-token.js';

/** What a session token carries: the user id and when it stops being valid. */
export interface SessionClaims {
  userId: string;
  /** Expiry, seconds since epoch. */
  exp: number;
}

/**
 * Our own session token: a signed `{sub, exp}`. WeChat's session_key is never part of it (it
 * never leaves the server).
 */
export function issueSessionToken(claims: SessionClaims, secret: string): string {
  return issueSignedToken({ sub: claims.userId, exp: claims.exp }, secret);
}

/** The claims of a genuine, unexpired token, or `undefined` (constant-time signature check). */
export function verifySessionToken(
  token: string,
  secret: string,
  nowSeconds: number,
): SessionClaims | undefined {
  const claims = readSignedToken(token, secret);
  const { sub, exp } = claims ?? {};
  if (typeof sub !== 'string' || typeof exp !== 'number' || exp <= nowSeconds) return undefined;
  return { userId: sub, exp };
}
