import { randomUUID } from 'node:crypto';
import type Koa from 'koa';
import type { ApiErrorBody } from '@fen/contracts';
import { appError, isAppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AppState } from './context.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The first middleware: gives each request an id (honouring a sane incoming `X-Request-Id`) and a
 * child logger carrying it, logs one line per request, and renders every error as
 * `{error: {code, message, requestId}}`. Unexpected errors are logged in full and shown as INTERNAL.
 */
export function errorHandler(rootLogger: Logger): Koa.Middleware<AppState> {
  return async (ctx, next) => {
    const incoming = ctx.get('X-Request-Id');
    const requestId = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const log = rootLogger.child({ requestId });
    ctx.state.requestId = requestId;
    ctx.state.log = log;
    ctx.set('X-Request-Id', requestId);
    const started = performance.now();
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw appError('NOT_FOUND', `no route for ${ctx.method} ${ctx.path}`);
      }
      if (ctx.status === 405 && ctx.body === undefined) {
        throw appError('BAD_REQUEST', `${ctx.method} is not allowed on ${ctx.path}`, {
          status: 405,
        });
      }
    } catch (err) {
      const known = isAppError(err) ? err : undefined;
      const status = known?.status ?? 500;
      if (status >= 500) log.error({ err }, 'request failed');
      else log.info({ code: known?.code, message: known?.message }, 'request rejected');
      const body: ApiErrorBody = {
        error: {
          code: known?.code ?? 'INTERNAL',
          message: known?.expose ? known.message : 'internal error',
          requestId,
        },
      };
      ctx.status = status;
      ctx.body = body;
    } finally {
      log.info(
        {
          method: ctx.method,
          path: ctx.path,
          status: ctx.status,
          ms: Math.round(performance.now() - started),
        },
        'request',
      );
    }
  };
}
