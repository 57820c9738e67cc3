import { Router } from '@koa/router';
import { ORDER_STATUSES } from '@fen/contracts';
import type { AdminOrderListResponse, AdminOrderResponse } from '@fen/contracts';
import type Koa from 'koa';
import { z } from 'zod';
import { appError } from '../errors.js';
import type { AppState } from '../http/context.js';
import { readJsonBody } from '../http/request-body.js';
import { idempotencyKeySchema, plainText, validate } from '../http/validate.js';
import type { AdminService } from '../services/admin-service.js';
import type { RefundService } from '../services/refund-service.js';

const listSchema = z.object({
  status: z.enum(ORDER_STATUSES).optional(),
  outTradeNo: plainText().max(32).optional(),
  userId: plainText().max(24).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const refundSchema = z.strictObject({
  amountFen: z.number().int().positive().max(100_000_000),
  reason: plainText().max(80).optional(),
  outRefundNo: z
    .string()
    .regex(/^[0-9A-Za-z_\-|*@]{1,64}$/, 'must be 1–64 characters of 0-9 A-Z a-z _ - | * @')
    .optional(),
});

/** The operator's API, behind the admin bearer token. */
export function adminRoutes(
  deps: { admin: AdminService; refunds: RefundService },
  auth: Koa.Middleware<AppState>,
) {
  const router = new Router<AppState>({ prefix: '/admin' });
  router.use(auth);

  router.get('/orders', async (ctx) => {
    const filter = validate(listSchema, ctx.query, 'order filter');
    const body: AdminOrderListResponse = {
      orders: await deps.admin.listOrders(filter),
    };
    // Reads are logged too: the request's log names the operator (http/auth.ts).
    ctx.state.log.info({ filter, found: body.orders.length }, 'operator listed orders');
    ctx.body = body;
  });

  router.get('/orders/:id', async (ctx) => {
    const body: AdminOrderResponse = {
      order: await deps.admin.getOrder(ctx.params.id ?? ''),
    };
    ctx.state.log.info({ outTradeNo: body.order.outTradeNo }, 'operator read an order');
    ctx.body = body;
  });

  router.post('/orders/:id/refunds', async (ctx) => {
    const input = validate(refundSchema, await readJsonBody(ctx.req), 'refund');
    const idempotencyKey = validate(
      idempotencyKeySchema,
      ctx.get('Idempotency-Key') || undefined,
      'Idempotency-Key header',
    );
    // A retried request must name the same refund, or a lost answer becomes a second refund:
    // the caller names it, by key or by number (not both, so a retry cannot mean two things).
    if (!idempotencyKey === !input.outRefundNo) {
      throw appError(
        'VALIDATION_FAILED',
        'invalid refund: give exactly one of an Idempotency-Key header or outRefundNo',
      );
    }
    ctx.status = 201;
    ctx.body = await deps.refunds.create(
      ctx.params.id ?? '',
      {
        ...input,
        ...(idempotencyKey ? { idempotencyKey } : {}),
        ...(ctx.state.operator ? { operator: ctx.state.operator.name } : {}),
      },
      ctx.state.log,
    );
  });

  return router;
}
