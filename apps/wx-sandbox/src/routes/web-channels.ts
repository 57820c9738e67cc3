import Router from '@koa/router';
import type { SandboxCore } from '../core.js';
import { checkJsapiPay } from '../web/jsapi-check.js';
import { JSBRIDGE_JS } from '../web/jsbridge-script.js';
import { mwebCashier, mwebCashierAct } from '../web/mweb-cashier.js';
import { oauthAuthorize } from '../web/oauth-authorize.js';
import { isControlError } from '../web/payable.js';
import { scanCodeUrl } from '../web/scan.js';
import { fail, jsonBody, payerOutcome } from './control-json.js';

/**
 * What a web page in a browser needs for the channels besides the mini-program (docs/sandbox.md
 * §10): OAuth authorize, the WeixinJSBridge stand-in and its check, Native "by scan", and
 * the H5 cashier.
 */
export function webChannelsRouter(core: SandboxCore): Router {
  const router = new Router();

  router.get('/connect/oauth2/authorize', (ctx) => oauthAuthorize(core, ctx));

  router.get('/checkmweb', (ctx) => mwebCashier(core, ctx));
  router.post('/checkmweb', (ctx) => mwebCashierAct(core, ctx));

  router.get('/__sandbox/jsbridge.js', (ctx) => {
    ctx.type = 'application/javascript; charset=utf-8';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = JSBRIDGE_JS;
  });

  router.post('/__sandbox/jsapi-pay/check', async (ctx) => {
    const body = await jsonBody(ctx);
    if (!body) return;
    const order = checkJsapiPay(core, body);
    if (isControlError(order)) return fail(ctx, order.status, order.code, order.message);
    // What the cashier shows: never the key, never the merchant's notify_url.
    ctx.body = {
      ok: true,
      prepay_id: order.prepayId,
      out_trade_no: order.outTradeNo,
      mch_id: order.mchId,
      body: order.body,
      total_fee: order.totalFee,
    };
  });

  router.post('/__sandbox/scan', async (ctx) => {
    const body = await jsonBody(ctx);
    if (!body) return;
    if (typeof body.code_url !== 'string' || body.code_url === '') {
      return fail(ctx, 400, 'INVALID_CODE_URL', 'code_url is required');
    }
    const user = body.user ?? 'alice';
    if (typeof user !== 'string' || user.length === 0 || user.length > 64) {
      return fail(ctx, 400, 'INVALID_USER', 'user must be a name of 1–64 characters');
    }
    const outcome = payerOutcome(ctx, body);
    if (!outcome) return;
    const result = scanCodeUrl(core, body.code_url, user, outcome);
    if ('code' in result) return fail(ctx, result.status, result.code, result.message);
    ctx.body = result;
  });

  return router;
}
