import { Router } from '@koa/router';
import type Koa from 'koa';
import { z } from 'zod';
import type { AppState } from '../http/context.js';
import { readJsonBody } from '../http/request-body.js';
import { plainText, validate } from '../http/validate.js';
import type { SessionService } from '../services/session-service.js';

const createSessionSchema = z.strictObject({
  code: plainText().min(1).max(256),
});

/** POST /api/session {code}: wx.login() code → our own session token. */
export function sessionRoutes(sessions: SessionService, limit: Koa.Middleware<AppState>) {
  const router = new Router<AppState>();
  router.post('/api/session', limit, async (ctx) => {
    const { code } = validate(createSessionSchema, await readJsonBody(ctx.req), 'session request');
    ctx.body = await sessions.login(code, ctx.state.log);
  });
  return router;
}
