import { Router } from '@koa/router';
import type {
  ReconciliationListResponse,
  ReconciliationReport,
  ReconciliationResponse,
} from '@fen/contracts';
import type Koa from 'koa';
import { z } from 'zod';
import { appError } from '../errors.js';
import type { AppState } from '../http/context.js';
import { validate } from '../http/validate.js';
import type { BillReconcileJob } from '../jobs/bill-reconcile-job.js';
import { beijingDayRange } from '../services/beijing-day.js';
import type { ReconciliationDoc } from '../stores/reconciliation-model.js';
import type { ReconciliationStore } from '../stores/reconciliation-store.js';

const dateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day written YYYY-MM-DD')
  .refine((date) => beijingDayRange(date) !== undefined, 'is not a day of the calendar');

const listSchema = z.object({
  date: dateSchema.optional(),
  limit: z.coerce.number().int().min(1).max(366).default(31),
});

export function reportView(doc: ReconciliationDoc): ReconciliationReport {
  const { _id, startedAt, finishedAt, ...report } = doc;
  return { ...report, startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString() };
}

/** The daily bill reconciliations, behind the admin bearer token (docs/server.md). */
export function adminReconciliationRoutes(
  deps: { reports: ReconciliationStore; job: Pick<BillReconcileJob, 'runNow' | 'latestDay'> },
  auth: Koa.Middleware<AppState>,
) {
  const router = new Router<AppState>({ prefix: '/admin/reconciliations' });
  router.use(auth);

  router.get('/', async (ctx) => {
    const filter = validate(listSchema, ctx.query, 'reconciliation filter');
    const docs = await deps.reports.list(filter.date ? { date: filter.date } : {}, filter.limit);
    const body: ReconciliationListResponse = {
      reports: docs.map((doc) => {
        const { differences, ...rest } = reportView(doc);
        return { ...rest, differenceCount: differences.length };
      }),
    };
    ctx.body = body;
  });

  router.get('/:date', async (ctx) => {
    const date = validate(dateSchema, ctx.params.date, 'date');
    const doc = await deps.reports.find(date);
    if (!doc) throw appError('NOT_FOUND', `no reconciliation for ${date}`);
    const body: ReconciliationResponse = { report: reportView(doc) };
    ctx.body = body;
  });

  router.post('/:date/run', async (ctx) => {
    const date = validate(dateSchema, ctx.params.date, 'date');
    const latest = deps.job.latestDay();
    // A day's bill exists only from the next day on (Beijing time).
    if (date > latest) {
      throw appError(
        'VALIDATION_FAILED',
        `invalid date: ${date} has no bill yet; the latest day to reconcile is ${latest}`,
      );
    }
    const operator = ctx.state.operator?.name ?? 'unknown';
    ctx.state.log.info({ date }, 'operator runs a bill reconciliation');
    const body: ReconciliationResponse = {
      report: reportView(await deps.job.runNow(date, operator, ctx.state.log)),
    };
    ctx.body = body;
  });

  return router;
}
