import { Router } from '@koa/router';
import { notifyReply } from '@fen/wxpay';
import type { AppContext, AppState } from '../http/context.js';
import { readRawBody } from '../http/request-body.js';
import type { NotificationVerdict } from '../services/payment-notification-service.js';
import type { Logger } from '../logger.js';
import type { NotificationRequest } from '../wechat/payment-reports.js';

/** WeChat's notifications are small; anything bigger is not from WeChat (docs/pitfalls.md #6). */
export const NOTIFY_BODY_LIMIT = 64 * 1024;

type Handler = (request: NotificationRequest, log: Logger) => Promise<NotificationVerdict>;

/** Reads the raw XML itself and always answers in WeChat's XML, whatever happens. */
function notificationEndpoint(handle: Handler) {
  return async (ctx: AppContext) => {
    let verdict: NotificationVerdict;
    try {
      const raw = await readRawBody(ctx.req, NOTIFY_BODY_LIMIT);
      verdict = await handle({ api: 'v2', headers: ctx.req.headers, body: raw }, ctx.state.log);
    } catch (err) {
      ctx.state.log.warn({ err }, 'notification body refused');
      verdict = { ok: false, message: 'BODY_REFUSED' };
    }
    ctx.status = 200;
    ctx.type = 'text/xml';
    ctx.body = notifyReply(verdict.ok, verdict.ok ? undefined : verdict.message);
  };
}

/**
 * APIv3 (docs/protocol.md §6, Notify ack): the exact bytes and headers go to the same service, that
 * answers only after the outcome is stored. 204 acknowledges; anything else is a non-2xx with
 * `{code: 'FAIL', message}`, since WeChat retries on any non-2xx and on nothing else.
 */
function v3NotificationEndpoint(handle: Handler) {
  return async (ctx: AppContext) => {
    let verdict: NotificationVerdict;
    try {
      const body = await readRawBody(ctx.req, NOTIFY_BODY_LIMIT);
      verdict = await handle({ api: 'v3', headers: ctx.req.headers, body }, ctx.state.log);
    } catch (err) {
      ctx.state.log.warn({ err }, 'v3 notification body refused');
      verdict = { ok: false, message: 'BODY_REFUSED' };
    }
    if (verdict.ok) {
      ctx.status = 204;
      return;
    }
    // 400 for what a retry of the same bytes cannot fix is tempting, but WeChat treats every
    // non-2xx alike; 500 says "retry", which is right for RETRY and harmless for a forgery.
    ctx.status = 500;
    ctx.type = 'application/json';
    ctx.body = { code: 'FAIL', message: verdict.message };
  };
}

/** POST /wxpay/notify and /wxpay/refund-notify (APIv2 XML), /wxpay/v3/… (APIv3 JSON). */
export function notifyRoutes(handlers: { payment: Handler; refund: Handler }) {
  const router = new Router<AppState>();
  router.post('/wxpay/notify', notificationEndpoint(handlers.payment));
  router.post('/wxpay/refund-notify', notificationEndpoint(handlers.refund));
  router.post('/wxpay/v3/notify', v3NotificationEndpoint(handlers.payment));
  router.post('/wxpay/v3/refund-notify', v3NotificationEndpoint(handlers.refund));
  return router;
}
