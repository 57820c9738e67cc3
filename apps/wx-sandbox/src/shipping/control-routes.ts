import Router from '@koa/router';
import type { SandboxCore } from '../core.js';
import { openIdFor } from '../ids.js';
import { fail, jsonBody } from '../routes/control-json.js';
import { CONFIRM_PAGE_PATH, confirmPage, confirmPageAct } from './confirm-page.js';
import type { MessagePusher } from './message-push.js';
import { messagePushProblems } from './options.js';
import type { MessagePushConfig } from './options.js';
import type { ShippingStore } from './store.js';
import { parseMerchantOrderRef } from './validate.js';
import { controlOrderView } from './views.js';

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** The shipping part of the control API, under `/__sandbox/shipping` (docs/sandbox.md §14). */
export function shippingControlRouter(
  core: SandboxCore,
  store: ShippingStore,
  pusher: MessagePusher,
): Router {
  const router = new Router({ prefix: '/__sandbox/shipping' });
  const knownApp = (appid: unknown) =>
    typeof appid === 'string' && core.identities.app(appid) !== undefined;

  router.get('/orders', (ctx) => {
    const appid = str(ctx.query.appid);
    const transactionId = str(ctx.query.transaction_id);
    const outTradeNo = str(ctx.query.out_trade_no);
    ctx.body = {
      now: core.clock.now().toISOString(),
      orders: store
        .list(appid)
        .filter(
          (r) =>
            (transactionId === undefined || r.order.transactionId === transactionId) &&
            (outTradeNo === undefined || r.order.outTradeNo === outTradeNo),
        )
        .map((r) => controlOrderView(store, r)),
    };
  });

  // What the confirm component does for a test user, for tests: {status, errormsg?}.
  router.post('/confirm', async (ctx) => {
    const body = await jsonBody(ctx);
    if (!body) return;
    const appid = body.appid ?? core.options.apps[0]?.appId;
    if (!knownApp(appid))
      return fail(ctx, 400, 'UNKNOWN_APPID', "appid must be one of the sandbox's apps");
    const user = str(body.user);
    const openid = str(body.openid) ?? (user ? openIdFor(appid as string, user) : undefined);
    if (!openid)
      return fail(ctx, 400, 'INVALID_USER', 'user (a test user name) or openid is required');
    const key = parseMerchantOrderRef(body);
    if (!key) {
      return fail(
        ctx,
        400,
        'INVALID_ORDER',
        'transaction_id, or merchant_id + merchant_trade_no, is required',
      );
    }
    const result = store.confirmByBuyer(appid as string, key, openid);
    ctx.body = {
      status: result.status,
      ...(result.errormsg ? { errormsg: result.errormsg } : {}),
      ...(result.record ? { order: controlOrderView(store, result.record) } : {}),
    };
  });

  router.get('/confirm-receipt', (ctx) => confirmPage(core, store, ctx));
  router.post('/confirm-receipt', (ctx) => confirmPageAct(core, store, ctx));

  router.get('/message-url', (ctx) => {
    const appid = str(ctx.query.appid) ?? core.options.apps[0]?.appId ?? '';
    const config = pusher.config(appid);
    // The token and EncodingAESKey are the merchant's secrets: never shown back.
    ctx.body = {
      appid,
      ...(config
        ? { url: config.url, mode: config.mode ?? 'plain', format: config.format ?? 'json' }
        : {}),
    };
  });

  router.post('/message-url', async (ctx) => {
    const body = await jsonBody(ctx);
    if (!body) return;
    const appid = body.appid ?? core.options.apps[0]?.appId;
    if (!knownApp(appid))
      return fail(ctx, 400, 'UNKNOWN_APPID', "appid must be one of the sandbox's apps");
    if (body.url === null) {
      pusher.configure(appid as string, undefined);
      ctx.body = { appid };
      return;
    }
    const config: MessagePushConfig = {
      url: String(body.url ?? ''),
      token: String(body.token ?? ''),
      ...(body.mode !== undefined ? { mode: body.mode as MessagePushConfig['mode'] } : {}),
      ...(body.format !== undefined ? { format: body.format as MessagePushConfig['format'] } : {}),
      ...(body.encoding_aes_key !== undefined
        ? { encodingAesKey: String(body.encoding_aes_key) }
        : {}),
    };
    const problems = messagePushProblems(config);
    if (problems.length > 0) return fail(ctx, 400, 'INVALID_MESSAGE_URL', problems.join('; '));
    pusher.configure(appid as string, config);
    core.logger({ level: 'info', msg: 'message push URL set', appid, url: config.url });
    ctx.body = {
      appid,
      url: config.url,
      mode: config.mode ?? 'plain',
      format: config.format ?? 'json',
    };
  });

  router.get('/messages', (ctx) => {
    store.tick();
    ctx.body = {
      messages: pusher.list({
        ...(str(ctx.query.appid) ? { appId: str(ctx.query.appid) } : {}),
        ...(str(ctx.query.transaction_id) ? { transactionId: str(ctx.query.transaction_id) } : {}),
        ...(str(ctx.query.event) ? { event: str(ctx.query.event) } : {}),
      }),
    };
  });

  return router;
}

export { CONFIRM_PAGE_PATH };
