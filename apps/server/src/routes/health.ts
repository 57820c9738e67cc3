import { Router } from '@koa/router';
import type { HealthResponse } from '@fen/contracts';
import type { AppState } from '../http/context.js';

/**
 * GET /healthz: 200 when the database (and Redis, if configured) answer, else 503. `warnings`
 * tells operators what needs acting on soon (a merchant certificate expiring within 30 days)
 * without failing the check: the server still works.
 */
export function healthRoutes(check: () => Promise<HealthResponse>) {
  const router = new Router<AppState>();
  router.get('/healthz', async (ctx) => {
    const health = await check();
    ctx.status = health.ok ? 200 : 503;
    ctx.body = health;
  });
  return router;
}
