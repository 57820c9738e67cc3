import { Router } from '@koa/router';
import { ANOMALY_KINDS, ANOMALY_STATUSES } from '@fen/contracts';
import type { AdminAnomalyListResponse, ResolveAnomalyResponse } from '@fen/contracts';
import type Koa from 'koa';
import { z } from 'zod';
import { appError } from '../errors.js';
import type { AppState } from '../http/context.js';
import { readJsonBody } from '../http/request-body.js';
import { plainText, validate } from '../http/validate.js';
import type { AnomalyService } from '../services/anomaly-service.js';

const anomalyId = z.string().regex(/^[0-9a-f]{24}$/, 'must be an anomaly id (24 hex digits)');

// Strict: a misspelt filter (`?state=open`) would otherwise list everything without a word.
const listSchema = z.strictObject({
  status: z.enum(ANOMALY_STATUSES).optional(),
  kind: z.enum(ANOMALY_KINDS).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: anomalyId.optional(),
});

const resolveSchema = z.strictObject({
  note: plainText().trim().min(1, 'must say how it was resolved').max(500),
});

/** The anomaly queue (issue 16 §3), behind the operators' tokens like every `/admin` route. */
export function adminAnomalyRoutes(anomalies: AnomalyService, auth: Koa.Middleware<AppState>) {
  const router = new Router<AppState>({ prefix: '/admin/anomalies' });
  router.use(auth);

  router.get('/', async (ctx) => {
    const query = validate(listSchema, ctx.query, 'anomaly filter');
    const body: AdminAnomalyListResponse = await anomalies.list(query);
    ctx.state.log.info({ query, found: body.anomalies.length }, 'operator listed anomalies');
    ctx.body = body;
  });

  router.post('/:id/resolve', async (ctx) => {
    const id = validate(anomalyId, ctx.params.id, 'anomaly id');
    const { note } = validate(resolveSchema, await readJsonBody(ctx.req), 'resolution');
    const operator = ctx.state.operator?.name;
    if (operator === undefined) throw appError('UNAUTHORIZED', 'an operator token is required');
    const body: ResolveAnomalyResponse = { anomaly: await anomalies.resolve(id, operator, note) };
    ctx.state.log.info(
      { anomalyId: id, kind: body.anomaly.kind, outTradeNo: body.anomaly.outTradeNo },
      'operator resolved an anomaly',
    );
    ctx.body = body;
  });

  return router;
}
