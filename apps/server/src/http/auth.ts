import { createHash, timingSafeEqual } from 'node:crypto';
import type Koa from 'koa';
import { appError } from '../errors.js';
import type { AppState } from './context.js';

function bearer(header: string): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Requires `Authorization: Bearer <session token>`; sets `ctx.state.user`. */
export function requireSession(
  verify: (token: string) => { userId: string } | undefined,
): Koa.Middleware<AppState> {
  return async (ctx, next) => {
    const token = bearer(ctx.get('Authorization'));
    if (!token)
      throw appError('UNAUTHORIZED', 'a session token is required (Authorization: Bearer …)');
    const claims = verify(token);
    if (!claims) throw appError('UNAUTHORIZED', 'the session token is invalid or expired');
    ctx.state.user = { id: claims.userId };
    await next();
  };
}

/** Compares two secrets in constant time, whatever their lengths. */
export function secretsEqual(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Requires `Authorization: Bearer <ADMIN_TOKEN>`. */
export function requireAdmin(adminToken: string): Koa.Middleware<AppState> {
  return async (ctx, next) => {
    const token = bearer(ctx.get('Authorization'));
    if (!token)
      throw appError('UNAUTHORIZED', 'the admin token is required (Authorization: Bearer …)');
    if (!secretsEqual(token, adminToken)) throw appError('FORBIDDEN', 'the admin token is wrong');
    await next();
  };
}
