import type { HealthResponse } from '@fen/contracts';
import Koa from 'koa';
import { requireAdmin, requireSession } from './http/auth.js';
import type { AppState } from './http/context.js';
import type { Operator } from './http/operators.js';
import { errorHandler } from './http/error-handler.js';
import { routeRateLimits } from './http/rate-limit.js';
import { securityHeaders } from './http/security-headers.js';
import type { RateLimiter } from './http/rate-limiter.js';
import type { RateLimitSettings } from './config.js';
import type { Logger } from './logger.js';
import { adminRoutes } from './routes/admin.js';
import { adminQuotaRoutes } from './routes/admin-quota.js';
import { adminAnomalyRoutes } from './routes/admin-anomalies.js';
import { adminReconciliationRoutes } from './routes/admin-reconciliations.js';
import { adminShippingRoutes } from './routes/admin-shipping.js';
import { wechatMessageRoutes } from './routes/wechat-message.js';
import { healthRoutes } from './routes/health.js';
import { notifyRoutes } from './routes/notify.js';
import { orderRoutes } from './routes/orders.js';
import { productRoutes } from './routes/products.js';
import { sessionRoutes } from './routes/session.js';
import { webRoutes } from './routes/web.js';
import type { WebRoutesDeps } from './routes/web.js';
import type { AdminService } from './services/admin-service.js';
import type { AnomalyService } from './services/anomaly-service.js';
import type { OrderService } from './services/order-service.js';
import type { PaymentNotificationHandler } from './services/payment-notification-service.js';
import type { ProductService } from './services/product-service.js';
import type { RefundNotificationHandler } from './services/refund-notification-service.js';
import type { RefundService } from './services/refund-service.js';
import type { SessionService } from './services/session-service.js';
import type { TokenQuota } from './services/token-quota.js';

/** What the HTTP layer needs; built by `createRuntime`, or by hand in a test. */
export interface AppDeps {
  log: Logger;
  /** Proxy hops in front of the server that append to X-Forwarded-For (0: none). */
  trustProxy: number;
  /** Counts the rate-limited routes' requests (Redis, shared by all instances). */
  limiter: RateLimiter;
  limits: RateLimitSettings;
  /** Who may call `/admin` (http/operators.ts). */
  operators: readonly Operator[];
  sessions: SessionService;
  /** The web channels: checkout page, official-account login, guest sessions, JS-SDK. */
  web: WebRoutesDeps;
  products: ProductService;
  orders: OrderService;
  refunds: RefundService;
  admin: AdminService;
  /** The anomaly queue (`/admin/anomalies`). */
  anomalies: AnomalyService;
  handlePaymentNotification: PaymentNotificationHandler;
  handleRefundNotification: RefundNotificationHandler;
  /** The access_token / jsapi_ticket daily quota (`/admin/token-quota`). */
  tokenQuota: TokenQuota;
  health(): Promise<HealthResponse>;
  /** The daily bill reconciliation's reports and re-runs (absent in apps built by hand). */
  reconciliations?: Parameters<typeof adminReconciliationRoutes>[0];
  /** Shipping info (`/admin/orders/:id/shipping`) and, with a Token, the message push endpoint. */
  shipping?: {
    service: Parameters<typeof adminShippingRoutes>[0];
    messages?: Parameters<typeof wechatMessageRoutes>[0];
  };
}

/** Builds the Koa app. It never listens: `startServer` (or a test) does. */
export function createApp(deps: AppDeps): Koa<AppState> {
  const app = new Koa<AppState>();
  // Behind N proxies only the last N X-Forwarded-For entries were written by them; ctx.ip is the
  // leftmost of those, never an entry the client wrote itself.
  app.proxy = deps.trustProxy > 0;
  app.maxIpsCount = deps.trustProxy;
  // Errors are rendered (and logged with the request id) by errorHandler; silence Koa's printer.
  app.silent = true;
  app.use(errorHandler(deps.log));
  app.use(securityHeaders());

  const session = requireSession((token) => deps.sessions.verify(token));
  const admin = requireAdmin(deps.operators);
  const limits = routeRateLimits(deps.limiter, deps.limits);
  const routers = [
    healthRoutes(deps.health),
    notifyRoutes({
      payment: deps.handlePaymentNotification,
      refund: deps.handleRefundNotification,
    }),
    sessionRoutes(deps.sessions, limits.logins),
    webRoutes(deps.web, limits),
    productRoutes(deps.products, session),
    orderRoutes(deps.orders, session, limits.orderActions),
    adminRoutes({ admin: deps.admin, refunds: deps.refunds }, admin),
    adminQuotaRoutes(deps.tokenQuota, admin),
    adminAnomalyRoutes(deps.anomalies, admin),
    ...(deps.reconciliations ? [adminReconciliationRoutes(deps.reconciliations, admin)] : []),
    ...(deps.shipping ? [adminShippingRoutes(deps.shipping.service, admin)] : []),
    ...(deps.shipping?.messages ? [wechatMessageRoutes(deps.shipping.messages)] : []),
  ];
  for (const router of routers) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}
