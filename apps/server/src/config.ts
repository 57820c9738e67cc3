import { loadMerchantCertificate, readCaCertificate } from './config-certificates.js';
import type { MerchantCertificate } from './config-certificates.js';
import { loadPayV3Config } from './config-v3.js';
import type { PayV3Config } from './config-v3.js';
import { envSchema } from './config-schema.js';
import { parseOperators } from './http/operators.js';
import type { Operator } from './http/operators.js';
import type { LOG_LEVELS } from './config-schema.js';
import { accidentalSandboxIssues, modeOf } from './production/mode.js';
import type { FenMode } from './production/mode.js';
import { productionIssues } from './production/production-checks.js';
import type { ProductionReport } from './production/production-checks.js';
import type { AlertFormat } from './services/alert-webhook.js';

/** The limits of http/rate-limit.ts and the order service, from their settings. */
export interface RateLimitSettings {
  guestSessionsPerMinute: number;
  loginsPerMinute: number;
  orderActionsPerMinute: number;
  orderActionsPerIpPerMinute: number;
  syncIntervalSeconds: number;
  syncsPerMinute: number;
  maxChannelSwitches: number;
}

export type LogLevel = (typeof LOG_LEVELS)[number];

/** Everything the server needs, validated. Holds secrets: never log or return it. */
/** How WeChat signs (and, in safe mode, encrypts) the mini-program's message pushes. */
export interface MessagePushSettings {
  token: string;
  mode: 'plain' | 'safe';
  encodingAesKey?: string;
  maxAgeSeconds: number;
}

export interface Config {
  /** `FEN_ENV`: production passed every production check (production/production-checks.ts). */
  mode: FenMode;
  port: number;
  host: string;
  mongodbUri: string;
  redisUrl?: string;
  /** Put before every Redis key, so deployments sharing one Redis keep their own tokens. */
  redisKeyPrefix: string;
  logLevel: LogLevel;
  /** Proxy hops in front of the server that append to X-Forwarded-For (0: none). */
  trustProxy: number;
  shutdownTimeoutMs: number;
  wx: {
    /** The mini-program. */
    appId: string;
    appSecret: string;
    apiBase: string;
    /** Where OAuth's authorize page lives (`open.weixin.qq.com`, or the sandbox). */
    oauthBase: string;
    /** The official account (JSAPI pay in its pages, OAuth, JS-SDK), when configured. */
    officialAccount?: { appId: string; appSecret: string };
    /** The mobile app (APP pay), when configured. */
    mobileAppId?: string;
    /** The mini-program's message push (消息推送), when `WX_MESSAGE_TOKEN` is set. */
    messagePush?: MessagePushSettings;
  };
  /** The server as browsers reach it (OAuth redirect_uri, H5 scene_info, the checkout page). */
  publicUrl: string;
  h5WapName: string;
  /** The WeChat sandbox's URL, for the checkout page's WeixinJSBridge stand-in (sandbox mode). */
  webSandboxUrl?: string;
  pay: {
    mchId: string;
    key: string;
    signType: 'MD5' | 'HMAC-SHA256';
    notifyUrl: string;
    refundNotifyUrl: string;
    apiBase: string;
    secapiBase: string;
    timeoutMs: number;
    certificate: MerchantCertificate;
    /** Production: when the merchant certificate expires (warned within 30 days). */
    certificateNotAfter?: Date;
    /** Extra CA to trust (the sandbox's TLS certificate). */
    ca?: string;
    /** Which WeChat Pay API the gateway speaks; routes, orders and clients are the same. */
    apiVersion: 'v2' | 'v3';
    /** Present when `apiVersion` is `v3`. */
    v3?: PayV3Config;
  };
  session: {
    secret: string;
    ttlSeconds: number;
  };
  /** Rate limits, shared by all instances through Redis (see http/rate-limit.ts). */
  limits: RateLimitSettings;
  /** `ADMIN_TOKEN`, when set (also the operator `admin` in `operators`). */
  adminToken?: string;
  /** Who may call `/admin`: `ADMIN_TOKENS` and `ADMIN_TOKEN` (http/operators.ts). */
  operators: Operator[];
  orderTtlMinutes: number;
  reconcile: {
    enabled: boolean;
    intervalSeconds: number;
    pendingAfterSeconds: number;
    refundAfterSeconds: number;
    batchSize: number;
    leaseSeconds: number;
  };
  /** `ALERT_WEBHOOK_URL` and its format: where new anomalies are pushed, when set. */
  alerts?: { webhookUrl: string; format: AlertFormat };
  billReconcile: {
    enabled: boolean;
    hour: number;
    checkSeconds: number;
    attempts: number;
    backoffMs: number;
  };
}

/**
 * WeChat posts APIv3 JSON to what `WXPAY_NOTIFY_URL` names: pointed at this server's APIv2 route
 * (or the reverse), every notification would be refused forever, so that is a config error.
 * A URL on another path (a proxy) is taken as given.
 */
function notifyRouteIssues(
  e: { WXPAY_API_VERSION: 'v2' | 'v3'; WXPAY_NOTIFY_URL: string; WXPAY_REFUND_NOTIFY_URL: string },
  issues: string[],
): void {
  const routes = {
    v2: { WXPAY_NOTIFY_URL: '/wxpay/notify', WXPAY_REFUND_NOTIFY_URL: '/wxpay/refund-notify' },
    v3: {
      WXPAY_NOTIFY_URL: '/wxpay/v3/notify',
      WXPAY_REFUND_NOTIFY_URL: '/wxpay/v3/refund-notify',
    },
  };
  const other = e.WXPAY_API_VERSION === 'v3' ? 'v2' : 'v3';
  for (const key of ['WXPAY_NOTIFY_URL', 'WXPAY_REFUND_NOTIFY_URL'] as const) {
    if (new URL(e[key]).pathname === routes[other][key]) {
      issues.push(
        `${key}: names the API${other} route, but WXPAY_API_VERSION is ${e.WXPAY_API_VERSION} (use ${routes[e.WXPAY_API_VERSION][key]})`,
      );
    }
  }
}

/** Thrown by {@link loadConfig}; `issues` lists every problem, one line each. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
  }
}

/**
 * Validates the environment and loads the merchant certificate, reporting every missing or
 * malformed key at once (docs/pitfalls.md #1, #10). Secrets are never echoed in the messages.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  const issues: string[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  const certificate = loadMerchantCertificate(env, issues);
  const ca = readCaCertificate(env.WXPAY_CA_CERT_PATH, issues);
  if (parsed.success && Boolean(parsed.data.WX_OA_APPID) !== Boolean(parsed.data.WX_OA_APPSECRET)) {
    issues.push('WX_OA_APPID and WX_OA_APPSECRET must be set together (the official account)');
  }
  const v3 =
    parsed.success && parsed.data.WXPAY_API_VERSION === 'v3'
      ? loadPayV3Config(env, certificate, parsed.data.WXPAY_V3_API_BASE, issues)
      : undefined;
  if (parsed.success) notifyRouteIssues(parsed.data, issues);
  if (parsed.success && parsed.data.WX_MESSAGE_MODE === 'safe' && !parsed.data.WX_MESSAGE_AES_KEY) {
    issues.push('WX_MESSAGE_MODE=safe needs WX_MESSAGE_AES_KEY (the EncodingAESKey)');
  }
  // Read from the raw values too when other settings failed, so "no operator" is listed with them.
  const admins = parsed.success
    ? parseOperators(parsed.data.ADMIN_TOKENS, parsed.data.ADMIN_TOKEN)
    : parseOperators(env.ADMIN_TOKENS?.trim() || undefined, env.ADMIN_TOKEN?.trim() || undefined);
  issues.push(...admins.problems);
  // Production refuses every unsafe setting; the sandbox refuses the real WeChat.
  const mode = modeOf(env);
  const production: ProductionReport =
    mode === 'production'
      ? productionIssues(
          env,
          certificate,
          new Set(parsed.success ? [] : parsed.error.issues.map((issue) => String(issue.path[0]))),
        )
      : { issues: accidentalSandboxIssues(env) };
  issues.push(...production.issues);
  if (!parsed.success || certificate === undefined || issues.length > 0) {
    throw new ConfigError(issues);
  }
  const e = parsed.data;
  return {
    mode,
    port: e.PORT,
    host: e.HOST,
    mongodbUri: e.MONGODB_URI,
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    wx: {
      appId: e.WX_APPID,
      appSecret: e.WX_APPSECRET,
      apiBase: e.WX_API_BASE,
      oauthBase: e.WX_OAUTH_BASE,
      ...(e.WX_OA_APPID && e.WX_OA_APPSECRET
        ? { officialAccount: { appId: e.WX_OA_APPID, appSecret: e.WX_OA_APPSECRET } }
        : {}),
      ...(e.WX_MOBILE_APPID ? { mobileAppId: e.WX_MOBILE_APPID } : {}),
      ...(e.WX_MESSAGE_TOKEN
        ? {
            messagePush: {
              token: e.WX_MESSAGE_TOKEN,
              mode: e.WX_MESSAGE_MODE,
              ...(e.WX_MESSAGE_AES_KEY ? { encodingAesKey: e.WX_MESSAGE_AES_KEY } : {}),
              maxAgeSeconds: e.WX_MESSAGE_MAX_AGE_SECONDS,
            },
          }
        : {}),
    },
    publicUrl: e.PUBLIC_URL ?? `http://127.0.0.1:${e.PORT}`,
    h5WapName: e.H5_WAP_NAME,
    ...(e.WEB_SANDBOX_URL ? { webSandboxUrl: e.WEB_SANDBOX_URL } : {}),
    pay: {
      mchId: e.WXPAY_MCHID,
      key: e.WXPAY_KEY,
      signType: e.WXPAY_SIGN_TYPE,
      notifyUrl: e.WXPAY_NOTIFY_URL,
      refundNotifyUrl: e.WXPAY_REFUND_NOTIFY_URL,
      apiBase: e.WXPAY_API_BASE,
      secapiBase: e.WXPAY_SECAPI_BASE ?? e.WXPAY_API_BASE,
      timeoutMs: e.WXPAY_TIMEOUT_MS,
      certificate,
      ...(production.certificateNotAfter
        ? { certificateNotAfter: production.certificateNotAfter }
        : {}),
      ca,
      apiVersion: e.WXPAY_API_VERSION,
      ...(v3 ? { v3 } : {}),
    },
    session: {
      secret: e.SESSION_SECRET,
      ttlSeconds: e.SESSION_TTL_SECONDS,
    },
    limits: {
      guestSessionsPerMinute: e.GUEST_SESSIONS_PER_MINUTE,
      loginsPerMinute: e.LOGINS_PER_MINUTE,
      orderActionsPerMinute: e.ORDER_ACTIONS_PER_MINUTE,
      orderActionsPerIpPerMinute: e.ORDER_ACTIONS_PER_IP_PER_MINUTE,
      syncIntervalSeconds: e.ORDER_SYNC_INTERVAL_SECONDS,
      syncsPerMinute: e.ORDER_SYNCS_PER_MINUTE,
      maxChannelSwitches: e.ORDER_MAX_CHANNEL_SWITCHES,
    },
    ...(e.ADMIN_TOKEN !== undefined ? { adminToken: e.ADMIN_TOKEN } : {}),
    operators: admins.operators,
    orderTtlMinutes: e.ORDER_TTL_MINUTES,
    reconcile: {
      enabled: e.RECONCILE_ENABLED,
      intervalSeconds: e.RECONCILE_INTERVAL_SECONDS,
      pendingAfterSeconds: e.RECONCILE_PENDING_AFTER_SECONDS,
      refundAfterSeconds: e.RECONCILE_REFUND_AFTER_SECONDS,
      batchSize: e.RECONCILE_BATCH_SIZE,
      leaseSeconds: e.RECONCILE_LEASE_SECONDS,
    },
    ...(e.ALERT_WEBHOOK_URL
      ? { alerts: { webhookUrl: e.ALERT_WEBHOOK_URL, format: e.ALERT_WEBHOOK_FORMAT } }
      : {}),
    billReconcile: {
      enabled: e.BILL_RECONCILE_ENABLED,
      hour: e.BILL_RECONCILE_HOUR,
      checkSeconds: e.BILL_RECONCILE_CHECK_SECONDS,
      attempts: e.BILL_RECONCILE_ATTEMPTS,
      backoffMs: e.BILL_RECONCILE_BACKOFF_MS,
    },
  };
}
