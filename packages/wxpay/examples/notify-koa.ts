/**
 * The same payment notification handler as Koa middleware. Koa leaves the body unread: read the
 * raw bytes yourself (a JSON or form body parser would change what was signed).
 */
import type { Middleware } from 'koa';
import { notifyReply, parsePaymentNotification } from '@fen/wxpay';
import type { NotifyOptions } from '@fen/wxpay';
import { readBody } from './notify-node.js';
import type { OnPayment } from './notify-node.js';

/** Mount on `POST /wxpay/notify`, e.g. `app.use(paymentNotifyMiddleware(merchant, onPayment))`. */
export function paymentNotifyMiddleware(merchant: NotifyOptions, onPayment: OnPayment): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'POST' || ctx.path !== '/wxpay/notify') return next();
    ctx.type = 'text/xml';
    try {
      const fields = parsePaymentNotification(await readBody(ctx.req), merchant);
      if (fields.result_code === 'SUCCESS') await onPayment(fields);
      ctx.body = notifyReply(true);
    } catch (err) {
      ctx.body = notifyReply(false, err instanceof Error ? err.message : 'error');
    }
  };
}
