import Router from '@koa/router';
import type { Context } from 'koa';
import type { SandboxCore } from '../core.js';
import { BodyTooLargeError, readRawBody } from '../http/raw-body.js';
import { apiError } from '../state/identities.js';

/** WeChat's JSON replies: HTTP 200 whatever the errcode. jscode2session really says text/plain. */
function send(ctx: Context, body: object, type = 'application/json; encoding=utf-8'): void {
  ctx.status = 200;
  ctx.type = type;
  ctx.body = JSON.stringify(body);
}

const query = (ctx: Context): Record<string, string | undefined> =>
  Object.fromEntries(Object.entries(ctx.query).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));

/** The mini-program / official-account server APIs of api.weixin.qq.com [docs/protocol.md §7]. */
export function wechatApiRouter(core: SandboxCore): Router {
  const router = new Router();
  const ids = core.identities;
  // An injected systemError on these paths is WeChat's `-1 system error`; nothing is consumed.
  const reply = (ctx: Context, answer: () => object, type?: string) =>
    send(ctx, core.faults.systemErrorFor(ctx.path) ? apiError(-1, 'system error') : answer(), type);
  router.get('/sns/jscode2session', (ctx) =>
    reply(ctx, () => ids.code2Session(query(ctx)), 'text/plain'),
  );
  router.get('/sns/oauth2/access_token', (ctx) =>
    reply(ctx, () => ids.oauthAccessToken(query(ctx))),
  );
  router.get('/cgi-bin/token', (ctx) => reply(ctx, () => ids.accessToken(query(ctx))));
  router.get('/cgi-bin/ticket/getticket', (ctx) => reply(ctx, () => ids.ticket(query(ctx))));
  /** A POST API's JSON object body, or undefined once WeChat's refusal is sent. */
  const postedJson = async (ctx: Context): Promise<Record<string, unknown> | undefined> => {
    if (ctx.method !== 'POST') return void send(ctx, apiError(43002, 'require POST method'));
    let body: unknown;
    try {
      body = JSON.parse((await readRawBody(ctx.req, 64 * 1024)).toString('utf8'));
    } catch (err) {
      if (err instanceof BodyTooLargeError || err instanceof SyntaxError) {
        return void send(ctx, apiError(47001, 'data format error'));
      }
      throw err;
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return void send(ctx, apiError(47001, 'data format error'));
    }
    return body as Record<string, unknown>;
  };
  router.all('/cgi-bin/stable_token', async (ctx) => {
    const body = await postedJson(ctx);
    if (body) reply(ctx, () => ids.stableToken(body));
  });
  // The daily quota's reset: with the app's access_token, or (v2) with its AppSecret.
  router.all('/cgi-bin/clear_quota', async (ctx) => {
    const body = await postedJson(ctx);
    if (body) reply(ctx, () => ids.clearQuota(query(ctx).access_token, body));
  });
  router.all('/cgi-bin/clear_quota/v2', async (ctx) => {
    const body = await postedJson(ctx);
    if (body) reply(ctx, () => ids.clearQuotaV2(body));
  });
  return router;
}
