import { Router } from '@koa/router';
import { PAY_CHANNELS } from '@fen/contracts';
import type { OrderListResponse, OrderResponse } from '@fen/contracts';
import type Koa from 'koa';
import { z } from 'zod';
import { clientIp } from '../http/client-ip.js';
import type { AppContext, AppState } from '../http/context.js';
import { readJsonBody } from '../http/request-body.js';
import { idempotencyKeySchema, plainText, validate } from '../http/validate.js';
import type { OrderService } from '../services/order-service.js';

const createOrderSchema = z.strictObject({
  items: z
    .array(
      z.strictObject({
        productId: plainText().min(1).max(64),
        quantity: z.number().int().min(1).max(99),
      }),
    )
    .min(1)
    .max(20),
  channel: z.enum(PAY_CHANNELS).optional(),
});

const payOrderSchema = z.strictObject({ channel: z.enum(PAY_CHANNELS).optional() });

const userId = (ctx: AppContext): string => ctx.state.user?.id ?? '';

/** The payer's orders: create, pay again, list, read (optionally syncing), cancel. */
export function orderRoutes(
  orders: OrderService,
  auth: Koa.Middleware<AppState>,
  /** Rate limit of the routes that call WeChat to create or close a payment. */
  limit: Koa.Middleware<AppState>,
) {
  const router = new Router<AppState>({ prefix: '/api/orders' });
  router.use(auth);

  router.post('/', limit, async (ctx) => {
    const input = validate(createOrderSchema, await readJsonBody(ctx.req), 'order');
    const idempotencyKey = validate(
      idempotencyKeySchema,
      ctx.get('Idempotency-Key') || undefined,
      'Idempotency-Key header',
    );
    ctx.status = 201;
    ctx.body = await orders.create(userId(ctx), input, {
      clientIp: clientIp(ctx),
      ...(idempotencyKey ? { idempotencyKey } : {}),
      log: ctx.state.log,
    });
  });

  router.get('/', async (ctx) => {
    const body: OrderListResponse = { orders: await orders.list(userId(ctx)) };
    ctx.body = body;
  });

  router.get('/:id', async (ctx) => {
    const sync = ctx.query.sync === '1' || ctx.query.sync === 'true';
    const body: OrderResponse = {
      order: await orders.get(userId(ctx), ctx.params.id ?? '', {
        sync,
        log: ctx.state.log,
      }),
    };
    ctx.body = body;
  });

  router.post('/:id/pay', limit, async (ctx) => {
    const input = validate(payOrderSchema, await readJsonBody(ctx.req), 'pay request');
    ctx.body = await orders.pay(userId(ctx), ctx.params.id ?? '', {
      ...(input.channel ? { channel: input.channel } : {}),
      clientIp: clientIp(ctx),
      log: ctx.state.log,
    });
  });

  router.post('/:id/cancel', limit, async (ctx) => {
    const body: OrderResponse = {
      order: await orders.cancel(userId(ctx), ctx.params.id ?? '', ctx.state.log),
    };
    ctx.body = body;
  });

  return router;
}
