import { Router } from '@koa/router';
import { LOGISTICS_TYPES } from '@fen/contracts';
import type Koa from 'koa';
import { z } from 'zod';
import { appError } from '../errors.js';
import type { AppState } from '../http/context.js';
import { readJsonBody } from '../http/request-body.js';
import { plainText, validate } from '../http/validate.js';
import type { ShippingService } from '../services/shipping-service.js';

const orderId = z.string().regex(/^[0-9a-f]{24}$/, 'must be an order id (24 hex digits)');

const parcelSchema = z.strictObject({
  expressCompany: z
    .string()
    .regex(/^[A-Za-z0-9_]{1,32}$/, 'must be a delivery id from the company list, e.g. SF')
    .optional(),
  trackingNo: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,128}$/, 'must be 1–128 letters, digits or -')
    .optional(),
  itemDesc: plainText().trim().min(1, 'must say what was shipped').max(120),
});

// WeChat's rules for upload_shipping_info (docs/merchant-ops.md, "Shipping info"), checked here
// so an operator's mistake is named before anything reaches WeChat.
const shipmentSchema = z
  .strictObject({
    logisticsType: z.enum(LOGISTICS_TYPES),
    parcels: z.array(parcelSchema).min(1).max(15),
    deliveryMode: z.enum(['unified', 'split']).default('unified'),
    isAllDelivered: z.boolean().optional(),
    receiverContact: z
      .string()
      .regex(/^\d{3}\*{4}\d{4}$/, 'must be a phone masked like 189****1234')
      .optional(),
  })
  .superRefine((input, ctx) => {
    const problem = (message: string, path: (string | number)[] = []) =>
      ctx.addIssue({ code: 'custom', message, path });
    if (input.deliveryMode === 'unified' && input.parcels.length !== 1) {
      problem('unified delivery ships exactly one parcel (use split for several)', ['parcels']);
    }
    if (input.deliveryMode === 'split') {
      if (input.logisticsType !== 'express')
        problem('split delivery is for express only', ['deliveryMode']);
      if (input.isAllDelivered === undefined)
        problem('split delivery needs isAllDelivered', ['isAllDelivered']);
    }
    input.parcels.forEach((parcel, i) => {
      if (input.logisticsType === 'express') {
        if (!parcel.expressCompany)
          problem('express needs expressCompany', ['parcels', i, 'expressCompany']);
        if (!parcel.trackingNo) problem('express needs trackingNo', ['parcels', i, 'trackingNo']);
      } else if (parcel.expressCompany || parcel.trackingNo) {
        problem(`${input.logisticsType} has no express company or tracking number`, ['parcels', i]);
      }
    });
  });

/** Shipping info (发货信息管理) for operators: record it at WeChat, list express companies. */
export function adminShippingRoutes(shipping: ShippingService, auth: Koa.Middleware<AppState>) {
  const router = new Router<AppState>({ prefix: '/admin' });
  router.use(auth);

  router.post('/orders/:id/shipping', async (ctx) => {
    const id = validate(orderId, ctx.params.id, 'order id');
    const input = validate(shipmentSchema, await readJsonBody(ctx.req), 'shipping');
    const operator = ctx.state.operator?.name;
    if (operator === undefined) throw appError('UNAUTHORIZED', 'an operator token is required');
    ctx.body = { order: await shipping.ship(id, input, operator) };
  });

  // Reads the order's shipping state at WeChat (get_order): a lost push, or a confirmation
  // WeChat does not push (it pushes at shipping and at settlement).
  router.post('/orders/:id/shipping/sync', async (ctx) => {
    const id = validate(orderId, ctx.params.id, 'order id');
    ctx.body = { order: await shipping.syncFromWeChat(id) };
  });

  router.get('/shipping/delivery-companies', async (ctx) => {
    ctx.body = await shipping.deliveryCompanies();
  });

  return router;
}
