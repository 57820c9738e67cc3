import { STATE_TTL_SECONDS } from '../services/oauth-login-service.js';
import type { AppContext } from './context.js';

/** The browser's OAuth nonce: set at `/oa/login`, sent back to `/oa/callback` only. */
const NAME = 'fen_oa_nonce';
const PATH = '/oa/';
const NONCE = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * HttpOnly (no script reads it), SameSite=Lax (sent on the top-level GET back from WeChat's
 * authorize page, not on requests other sites make), Secure when the site is served over HTTPS.
 * Written by hand: Koa's cookie jar refuses Secure when TLS ends at a proxy it does not trust.
 */
function cookie(value: string, maxAgeSeconds: number, publicUrl: string): string {
  const secure = publicUrl.startsWith('https:') ? '; Secure' : '';
  return `${NAME}=${value}; Max-Age=${maxAgeSeconds}; Path=${PATH}; HttpOnly; SameSite=Lax${secure}`;
}

export function setOAuthNonce(ctx: AppContext, nonce: string, publicUrl: string): void {
  ctx.append('Set-Cookie', cookie(nonce, STATE_TTL_SECONDS, publicUrl));
}

/** The nonce this browser holds, if any; the cookie is cleared in the same answer. */
export function takeOAuthNonce(ctx: AppContext, publicUrl: string): string | undefined {
  const value = ctx.cookies.get(NAME);
  ctx.append('Set-Cookie', cookie('', 0, publicUrl));
  return value !== undefined && NONCE.test(value) ? value : undefined;
}
