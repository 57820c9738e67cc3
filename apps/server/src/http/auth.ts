import type Koa from 'koa';
import { appError } from '../errors.js';
import type { AppState } from './context.js';
import { operatorFor } from './operators.js';
import type { Operator } from './operators.js';

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

/**
 * Requires `Authorization: Bearer <an operator's token>` (`ADMIN_TOKENS`, or `ADMIN_TOKEN` as the
 * operator `admin`); sets `ctx.state.operator` and names the operator on every log line of the
 * request — never the token. A missing or unknown token is 401 alike.
 */
export function requireAdmin(operators: readonly Operator[]): Koa.Middleware<AppState> {
  return async (ctx, next) => {
    const token = bearer(ctx.get('Authorization'));
    if (!token)
      throw appError('UNAUTHORIZED', 'an operator token is required (Authorization: Bearer …)');
    const name = operatorFor(operators, token);
    if (name === undefined) throw appError('UNAUTHORIZED', 'the operator token is not known');
    ctx.state.operator = { name };
    ctx.state.log = ctx.state.log.child({ operator: name });
    await next();
  };
}
