import Koa from 'koa';
import Router from '@koa/router';
import type { SandboxCore } from './core.js';
import { controlRouter } from './routes/control.js';
import { PAGE_HTML } from './routes/page-html.js';
import { payApiRouter } from './routes/pay-api.js';
import { payV3Routers } from './routes/pay-v3.js';
import { webChannelsRouter } from './routes/web-channels.js';
import { wechatApiRouter } from './routes/wechat-api.js';
import { shippingRouters } from './shipping/routes.js';
import { sandboxCors } from './web/cors.js';

/**
 * The sandbox as a Koa app (it never listens: `createSandbox` does). WeChat's paths sit at the
 * root, so pointing a client's base URLs here is the only change from production; the control API
 * lives under `/__sandbox`, the payer's page at `/`.
 */
export function createApp(core: SandboxCore): Koa {
  const app = new Koa();
  app.silent = true;

  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      core.logger({
        level: 'error',
        msg: 'request failed',
        path: ctx.path,
        error: err instanceof Error ? err.message : String(err),
      });
      ctx.status = 500;
      ctx.body = { error: { code: 'INTERNAL', message: 'sandbox error' } };
    }
  });

  // WeChat's Date header, from the sandbox's clock, so a moved clock shows as skew (fen doctor).
  app.use(async (ctx, next) => {
    ctx.set('Date', core.clock.now().toUTCString());
    await next();
  });

  app.use(sandboxCors());

  // Injected latency (faults.latency), before anything is read or decided.
  app.use(async (ctx, next) => {
    const ms = core.faults.latencyFor(ctx.path);
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
    await next();
  });

  const page = new Router();
  page.get('/', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = PAGE_HTML;
  });

  for (const router of [
    page,
    webChannelsRouter(core),
    controlRouter(core),
    wechatApiRouter(core),
    payApiRouter(core),
    ...payV3Routers(core),
    ...shippingRouters(core),
  ]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}
