import { Router } from '@koa/router';
import type { ProductListResponse } from '@fen/contracts';
import type Koa from 'koa';
import type { AppState } from '../http/context.js';
import type { ProductService } from '../services/product-service.js';

/** GET /api/products: the catalogue, prices in fen. */
export function productRoutes(products: ProductService, auth: Koa.Middleware<AppState>) {
  const router = new Router<AppState>();
  router.get('/api/products', auth, async (ctx) => {
    const body: ProductListResponse = { products: await products.list() };
    ctx.body = body;
  });
  return router;
}
