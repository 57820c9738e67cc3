import { Router } from '@koa/router';
import type { TokenQuotaResetResponse, TokenQuotaResponse } from '@fen/contracts';
import type Koa from 'koa';
import type { AppState } from '../http/context.js';
import type { TokenQuota } from '../services/token-quota.js';

/** The access_token / jsapi_ticket daily quota, for operators (docs/server.md "Token quota"). */
export function adminQuotaRoutes(quota: TokenQuota, auth: Koa.Middleware<AppState>) {
  const router = new Router<AppState>({ prefix: '/admin' });
  router.use(auth);

  router.get('/token-quota', async (ctx) => {
    const body: TokenQuotaResponse = await quota.status();
    ctx.body = body;
  });

  // Spends one of WeChat's 10 monthly resets: a mutation, recorded with the operator's name.
  router.post('/token-quota/:appid/reset', async (ctx) => {
    const body: TokenQuotaResetResponse = {
      app: await quota.reset(
        ctx.params.appid ?? '',
        ctx.state.operator?.name ?? 'unknown',
        ctx.state.log,
      ),
    };
    ctx.body = body;
  });

  return router;
}
