import type { HealthResponse } from '@fen/contracts';
import { MemoryTokenCache, RedisTokenCache } from '@fen/wxpay';
import { Redis } from 'ioredis';
import { createApp } from './app.js';
import type { AppDeps } from './app.js';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { createMemoryRateLimiter } from './http/rate-limiter-memory.js';
import { createRedisRateLimiter } from './http/rate-limiter.js';
import { createBillReconcileJob } from './jobs/bill-reconcile-job.js';
import type { BillReconcileJob } from './jobs/bill-reconcile-job.js';
import { createMongoLease, createRedisLease } from './jobs/lease.js';
import { createReconcileJob } from './jobs/reconcile-job.js';
import type { ReconcileJob } from './jobs/reconcile-job.js';
import { createLogger } from './logger.js';
import type { Logger } from './logger.js';
import { certificateExpiryWarning } from './production/certificate-checks.js';
import { createAdminService } from './services/admin-service.js';
import { createAlertWebhook } from './services/alert-webhook.js';
import { alertingAnomalyStore } from './services/anomaly-alerts.js';
import { createAnomalyService } from './services/anomaly-service.js';
import { createBillReconciliation } from './services/bill-reconciliation.js';
import { createOAuthLoginService } from './services/oauth-login-service.js';
import { createOrderService } from './services/order-service.js';
import { createOrderLocks } from './services/order-locks.js';
import { createOrderSync } from './services/order-sync.js';
import { createOrderSyncGate } from './services/order-sync-gate.js';
import { createPaymentNotificationService } from './services/payment-notification-service.js';
import { createPaymentState } from './services/payment-state.js';
import { createProductService } from './services/product-service.js';
import { createRefundNotificationService } from './services/refund-notification-service.js';
import { createRefundService } from './services/refund-service.js';
import { createSessionService } from './services/session-service.js';
import { createShippingService } from './services/shipping-service.js';
import { createTokenQuota } from './services/token-quota.js';
import { tokenQuotaAlert } from './services/token-quota-alert.js';
import type { QuotaExhaustedHook } from './services/token-quota.js';
import {
  createMemoryTokenQuotaStore,
  createRedisTokenQuotaStore,
} from './services/token-quota-store.js';
import { createBillLedgerStore } from './stores/bill-ledger-store.js';
import { connectDatabase } from './stores/database.js';
import type { Database } from './stores/database.js';
import { createStores } from './stores/index.js';
import { createReconciliationStore } from './stores/reconciliation-store.js';
import type { Stores } from './stores/index.js';
import { createWeChatGateway } from './wechat/gateway.js';
import { createV3WeChatGateway } from './wechat/gateway-v3.js';

export interface RuntimeOptions {
  clock?: Clock;
  /**
   * The wall clock APIv3 signatures carry and replies are checked against (WeChat refuses a
   * request 5 minutes off, and so does the gateway a reply). Default the system clock; tests
   * that move the sandbox's clock move this one with it, apart from the business clock.
   */
  wechatClock?: Clock;
  logger?: Logger;
  /** Called once when WeChat answers 45009 to a token fetch (e.g. to post an alert). */
  onQuotaExhausted?: QuotaExhaustedHook;
}

/** A fully wired server: database, Redis, WeChat, services, the Koa app and the job. */
export interface Runtime {
  config: Config;
  log: Logger;
  db: Database;
  redis?: Redis;
  stores: Stores;
  deps: AppDeps;
  app: ReturnType<typeof createApp>;
  job: ReconcileJob;
  /** The daily bill reconciliation (started with the job when BILL_RECONCILE_ENABLED). */
  billJob: BillReconcileJob;
  /** Stops the job, then closes Redis and the database. */
  close(): Promise<void>;
}

async function connectRedis(url: string, keyPrefix: string, log: Logger): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, keyPrefix });
  redis.on('error', (err: Error) => log.warn({ err: err.message }, 'redis error'));
  await redis.connect();
  return redis;
}

/** Connects everything the server needs and builds it; nothing listens yet. */
export async function createRuntime(
  config: Config,
  options: RuntimeOptions = {},
): Promise<Runtime> {
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? createLogger(config.logLevel);
  const db = await connectDatabase(config.mongodbUri);
  let redis: Redis | undefined;
  try {
    redis = config.redisUrl
      ? await connectRedis(config.redisUrl, config.redisKeyPrefix, log)
      : undefined;
  } catch (err) {
    await db.close();
    throw err;
  }
  const stores = createStores(db);
  // Every service records anomalies through this store: each new one is also pushed, if set.
  const alerts =
    config.alerts &&
    createAlertWebhook({ url: config.alerts.webhookUrl, format: config.alerts.format }, log);
  if (alerts) stores.anomalies = alertingAnomalyStore(stores.anomalies, alerts);
  const tokenCache = redis ? new RedisTokenCache(redis) : new MemoryTokenCache();
  // Token fetches counted per appid per day; paused after WeChat's 45009 (docs/server.md).
  const tokenQuota = createTokenQuota({
    store: redis ? createRedisTokenQuotaStore(redis) : createMemoryTokenQuotaStore(),
    clock,
    log,
    appIds: [config.wx.appId, config.wx.officialAccount?.appId].filter((id) => id !== undefined),
    clearAtWeChat: (appId) => wechat.clearTokenQuota(appId),
    // Pushed to the alert webhook as anomalies are, and to a caller's hook (tests) if given.
    onQuotaExhausted: async (appId, kind) => {
      alerts?.send(tokenQuotaAlert(appId, kind, clock.now()));
      await options.onQuotaExhausted?.(appId, kind);
    },
  });
  // WXPAY_API_VERSION picks the protocol; services, routes and orders are the same for both.
  const wechat =
    config.pay.apiVersion === 'v3'
      ? createV3WeChatGateway(config, tokenCache, options.wechatClock ?? systemClock, tokenQuota)
      : createWeChatGateway(config, tokenCache, tokenQuota);

  // Rate limits live in Redis, shared by all instances; without Redis (sandbox mode only:
  // production requires it) this process counts alone.
  const limiter = redis ? createRedisRateLimiter(redis) : createMemoryRateLimiter();
  const limits = config.limits;

  const withOrderLock = createOrderLocks();
  const payments = createPaymentState({
    orders: stores.orders,
    claims: stores.claims,
    anomalies: stores.anomalies,
    clock,
  });
  const sync = createOrderSync({
    orders: stores.orders,
    wechat,
    payments,
    clock,
  });
  const products = createProductService(stores.products);
  await products.seed();
  const refunds = createRefundService({
    orders: stores.orders,
    refunds: stores.refunds,
    anomalies: stores.anomalies,
    claims: stores.claims,
    wechat,
    clock,
    withOrderLock,
    refundNotifyUrl: config.pay.refundNotifyUrl,
  });

  // Real time, as the certificate's validity is: the business clock may be moved in tests.
  const operatorWarnings = (): string[] => {
    const notAfter = config.pay.certificateNotAfter;
    const warning = notAfter && certificateExpiryWarning(notAfter, new Date());
    return warning ? [warning] : [];
  };
  for (const warning of operatorWarnings()) log.warn(`WARNING: ${warning}`);

  const health = async (): Promise<HealthResponse> => {
    const database = (await db.ping()) ? 'up' : 'down';
    const redisState = !redis
      ? 'not-configured'
      : await redis.ping().then(
          () => 'up' as const,
          () => 'down' as const,
        );
    const warnings = operatorWarnings();
    return {
      ok: database === 'up' && redisState !== 'down',
      database,
      redis: redisState,
      ...(warnings.length > 0 ? { warnings } : {}),
    };
  };

  const sessions = createSessionService({
    users: stores.users,
    wechat,
    clock,
    secret: config.session.secret,
    ttlSeconds: config.session.ttlSeconds,
  });
  const deps: AppDeps = {
    log,
    trustProxy: config.trustProxy,
    limiter,
    limits,
    operators: config.operators,
    sessions,
    web: {
      oauth: createOAuthLoginService({
        wechat,
        sessions,
        clock,
        publicUrl: config.publicUrl,
        secret: config.session.secret,
      }),
      sessions,
      jssdkConfig: (url) => wechat.jssdkConfig(url),
      publicUrl: config.publicUrl,
      ...(config.webSandboxUrl ? { sandboxUrl: config.webSandboxUrl } : {}),
    },
    products,
    orders: createOrderService({
      orders: stores.orders,
      products: stores.products,
      users: stores.users,
      wechat,
      payments,
      sync,
      clock,
      withOrderLock,
      notifyUrl: config.pay.notifyUrl,
      site: { url: config.publicUrl, name: config.h5WapName },
      orderTtlMinutes: config.orderTtlMinutes,
      maxChannelSwitches: limits.maxChannelSwitches,
      mayQueryWeChat: createOrderSyncGate(
        limiter,
        { intervalSeconds: limits.syncIntervalSeconds, perUserPerMinute: limits.syncsPerMinute },
        log,
      ),
    }),
    refunds,
    anomalies: createAnomalyService({ anomalies: stores.anomalies, clock }),
    admin: createAdminService({
      orders: stores.orders,
      refunds: stores.refunds,
      events: stores.events,
      anomalies: stores.anomalies,
    }),
    handlePaymentNotification: createPaymentNotificationService({
      orders: stores.orders,
      events: stores.events,
      anomalies: stores.anomalies,
      payments,
      wechat,
      clock,
      withOrderLock,
    }),
    tokenQuota,
    handleRefundNotification: createRefundNotificationService({
      refunds: stores.refunds,
      events: stores.events,
      anomalies: stores.anomalies,
      refundService: refunds,
      wechat,
      clock,
      withOrderLock,
    }),
    health,
  };

  // Leases follow real time (they coordinate processes), not the injectable business clock.
  const lease = redis
    ? createRedisLease(redis)
    : createMongoLease(db.models.Lease, () => new Date());
  const job = createReconcileJob({
    lease,
    orders: stores.orders,
    refunds: stores.refunds,
    sync,
    refundService: refunds,
    clock,
    withOrderLock,
    settings: config.reconcile,
    log,
  });
  const billSettings = config.billReconcile;
  const reports = createReconciliationStore(db.models.Reconciliation);
  const billJob = createBillReconcileJob({
    lease,
    reports,
    reconciliation: createBillReconciliation({
      wechat,
      api: config.pay.apiVersion,
      ledger: createBillLedgerStore(db.models),
      orders: stores.orders,
      refunds: stores.refunds,
      reports,
      anomalies: stores.anomalies,
      sync,
      refundService: refunds,
      withOrderLock,
      clock,
      retry: { attempts: billSettings.attempts, backoffMs: billSettings.backoffMs },
    }),
    clock,
    settings: {
      hour: billSettings.hour,
      checkSeconds: billSettings.checkSeconds,
      // Long enough for every retry's backoff and each attempt's timeouts.
      leaseMs:
        config.reconcile.leaseSeconds * 1000 +
        billSettings.backoffMs * 2 ** billSettings.attempts +
        billSettings.attempts * 4 * config.pay.timeoutMs,
    },
    log,
  });
  deps.reconciliations = { reports, job: billJob };
  const shipping = createShippingService({
    orders: stores.orders,
    wechat,
    clock,
    withOrderLock,
    log,
    appId: config.wx.appId,
  });
  const messagePush = config.wx.messagePush;
  deps.shipping = {
    service: shipping,
    ...(messagePush
      ? {
          messages: {
            settings: messagePush,
            appId: config.wx.appId,
            clock,
            apply: (event) => shipping.applyTradeEvent(event),
          },
        }
      : {}),
  };

  return {
    config,
    log,
    db,
    ...(redis ? { redis } : {}),
    stores,
    deps,
    app: createApp(deps),
    job,
    billJob,
    async close() {
      await job.stop();
      await alerts?.close();
      await billJob.stop();
      await wechat.close();
      if (redis) await redis.quit().catch(() => redis?.disconnect());
      await db.close();
    },
  };
}
