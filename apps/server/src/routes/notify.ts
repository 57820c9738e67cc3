import { Router } from '@koa/router';
import { notifyReply } from '@fen/wxpay';
import type { AppContext, AppState } from '../http/context.js';
import { readRawBody } from '../http/request-body.js';
import type { NotificationVerdict } from '../services/payment-notification-service.js';
import type { Logger } from '../logger.js';

/** WeChat's notifications are small; anything bigger is not from WeChat (pitfall 6). */
export const NOTIFY_BODY_LIMIT = 64 * 1024;

type Handler = (body: string, log: Logger) => Promise<NotificationVerdict>;

/** Reads the raw XML itself and always answers in WeChat's XML, whatever happens. */
function notificationEndpoint(handle: Handler) {
  return async (ctx: AppContext) => {
    let verdict: NotificationVerdict;
    try {
      const raw = await readRawBody(ctx.req, NOTIFY_BODY_LIMIT);
      verdict = await handle(raw.toString('utf8'), ctx.state.log);
    } catch (err) {
      ctx.state.log.warn({ err }, 'notification body refused');
      verdict = { ok: false, message: 'BODY_REFUSED' };
    }
    ctx.status = 200;
    ctx.type = 'text/xml';
    ctx.body = notifyReply(verdict.ok, verdict.ok ? undefined : verdict.message);
  };
}

/** POST /wxpay/notify and /wxpay/refund-notify. */
export function notifyRoutes(handlers: { payment: Handler; refund: Handler }) {
  const router = new Router<AppState>();
  router.post('/wxpay/notify', notificationEndpoint(handlers.payment));
  router.post('/wxpay/refund-notify', notificationEndpoint(handlers.refund));
  return router;
}
