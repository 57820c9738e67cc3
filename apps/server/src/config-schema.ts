import { z } from 'zod';
import { SECRET_RULES } from './production/secret-strength.js';
import { ALERT_FORMATS } from './services/alert-webhook.js';

/** The log levels pino knows; `LOG_LEVEL` picks one. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A URL WeChat can post to: http(s), no query string (unifiedorder rejects one). */
const notifyUrl = z
  .url({ protocol: /^https?$/ })
  .refine((value) => !value.includes('?'), 'must not contain a query string');
const baseUrl = z.url({ protocol: /^https?$/ }).transform((value) => value.replace(/\/+$/, ''));
const intFrom = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1' || value === 'yes');
/** Proxy hops in front of the server: a count, or the older `true` / `false` (1 / 0). */
const proxyHops = z
  .string()
  .default('0')
  .transform((value) => (value === 'true' ? '1' : value === 'false' ? '0' : value))
  .pipe(z.coerce.number<string>().int().min(0).max(10));
/** Empty strings in a .env file mean "not set". */
const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value));

/** The production rule of a secret setting, as its description states it. */
const inProduction = (setting: keyof typeof SECRET_RULES) =>
  ` In production (\`FEN_ENV=production\`): ${SECRET_RULES[setting].rule}, and never a value published in \`.env.example\` or the sandbox.`;

/**
 * Every setting the server reads, each described once: `docs/configuration.md`'s table is
 * generated from these descriptions (`pnpm docs:config`), and a test fails when it differs.
 * The APIv3 and certificate keys are checked together in `config-v3.ts` and
 * `config-certificates.ts`; they are listed here so they are described in the same place.
 */
export const envSchema = z.object({
  FEN_ENV: optionalString
    .pipe(z.enum(['sandbox', 'production']).default('sandbox'))
    .describe(
      "`sandbox` (local development against the WeChat sandbox) or `production` (the real WeChat). Production refuses to start on any unsafe setting, listing every problem: published demo secrets, weak secrets, WeChat bases that are not public `https://` hosts, `WXPAY_CA_CERT_PATH` or `WEB_SANDBOX_URL` set, `PUBLIC_URL` / notify URLs that are not `https://` on a public host name, no `REDIS_URL`, a merchant certificate of another mch_id, expired, or not matching its key. Sandbox mode refuses WeChat's real hosts (`*.weixin.qq.com`, `*.wechatpay.cn`, …), so production never runs in sandbox mode by accident.",
    ),
  PORT: intFrom(0, 65535, 3000).describe('The port the server listens on.'),
  HOST: z.string().min(1).default('0.0.0.0').describe('The address the server listens on.'),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\/.+/, 'must be a mongodb:// URI')
    .describe('The database (MongoDB, or FerretDB locally), with the database name.'),
  REDIS_URL: optionalString
    .pipe(
      z
        .string()
        .regex(/^rediss?:\/\/.+/, 'must be a redis:// URI')
        .optional(),
    )
    .describe(
      'Redis, shared by every instance: access_token / jsapi_ticket cache, platform certificates, the job lease. Without it one process keeps them in memory and leases in MongoDB. Required in production.',
    ),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[\w:.-]{0,64}$/, 'must be up to 64 letters, digits, _ : . or -')
    .default('')
    .describe('Put before every Redis key, so deployments sharing one Redis keep their own.'),
  WX_APPID: z
    .string()
    .regex(/^wx[0-9a-zA-Z]{16}$/, 'must look like wx + 16 characters')
    .describe("The mini-program's appid (login, mini-program pay)."),
  WX_APPSECRET: z
    .string()
    .regex(/^[0-9a-zA-Z]{32}$/, 'must be the 32-character AppSecret (not the pay key)')
    .describe(
      `The mini-program's AppSecret (code2Session, access_token).${inProduction('WX_APPSECRET')}`,
    ),
  WXPAY_MCHID: z
    .string()
    .regex(/^\d{8,10}$/, 'must be the 8–10 digit mch_id')
    .describe("The merchant's mch_id."),
  WXPAY_KEY: z
    .string()
    .regex(/^[0-9a-zA-Z]{32}$/, 'must be the 32-character APIv2 key (not the AppSecret)')
    .describe(
      `The 32-character APIv2 key (signs and verifies APIv2 messages).${inProduction('WXPAY_KEY')}`,
    ),
  WXPAY_SIGN_TYPE: z
    .enum(['MD5', 'HMAC-SHA256'])
    .default('MD5')
    .describe('The APIv2 signature: `MD5` or `HMAC-SHA256`.'),
  WXPAY_NOTIFY_URL: notifyUrl.describe(
    "Where WeChat posts payment notifications: this server's `/wxpay/notify` (APIv3: `/wxpay/v3/notify`), or a proxy in front of it. No query string. In production: `https://` on a public host name (no IP address, `localhost`, single-label name or `.local` `.internal` `.lan` `.home.arpa` `.test` `.example` `.invalid`).",
  ),
  WXPAY_REFUND_NOTIFY_URL: notifyUrl.describe(
    'Where WeChat posts refund notifications: `/wxpay/refund-notify` (APIv3: `/wxpay/v3/refund-notify`). In production: `https://` on a public host name, as `WXPAY_NOTIFY_URL`.',
  ),
  WXPAY_CERT_P12_PATH: optionalString.describe(
    'The merchant API certificate as WeChat issues it (`apiclient_cert.p12`), for refunds and APIv3 signing. Required unless the PEM pair is given. In production it must be issued to `WXPAY_MCHID` (subject CN), valid now, its key its own and not a sandbox demo certificate; within 30 days of expiry it is a warning in the log and on `/healthz`.',
  ),
  WXPAY_CERT_P12_PASSPHRASE: optionalString.describe(
    "The .p12 password, when it is not the mch_id (WeChat's default).",
  ),
  WXPAY_CERT_PEM_PATH: optionalString.describe(
    'Instead of the .p12: the certificate (`apiclient_cert.pem`), with `WXPAY_KEY_PEM_PATH`.',
  ),
  WXPAY_KEY_PEM_PATH: optionalString.describe(
    'Instead of the .p12: the private key (`apiclient_key.pem`), with `WXPAY_CERT_PEM_PATH`.',
  ),
  WXPAY_CA_CERT_PATH: optionalString.describe(
    "An extra CA to trust for WeChat Pay calls (the sandbox's TLS certificate locally). Refused in production.",
  ),
  WX_OA_APPID: optionalString
    .pipe(
      z
        .string()
        .regex(/^wx[0-9a-zA-Z]{16}$/, 'must look like wx + 16 characters')
        .optional(),
    )
    .describe(
      "The official account's appid: enables JSAPI pay in its pages, OAuth and the JS-SDK; Native and H5 pay use it when set. With `WX_OA_APPSECRET`.",
    ),
  WX_OA_APPSECRET: optionalString
    .pipe(
      z
        .string()
        .regex(/^[0-9a-zA-Z]{32}$/, "must be the official account's 32-character AppSecret")
        .optional(),
    )
    .describe(
      `The official account's AppSecret, with \`WX_OA_APPID\`.${inProduction('WX_OA_APPSECRET')}`,
    ),
  WX_MOBILE_APPID: optionalString
    .pipe(
      z
        .string()
        .regex(/^wx[0-9a-zA-Z]{16}$/, 'must look like wx + 16 characters')
        .optional(),
    )
    .describe("The mobile app's appid: enables APP pay."),
  WX_MESSAGE_TOKEN: optionalString
    .pipe(
      z
        .string()
        .regex(/^[A-Za-z0-9]{3,32}$/, 'must be 3–32 letters or digits, as in the console')
        .optional(),
    )
    .describe(
      "The mini-program's message push Token (消息推送 → Token): enables `/wechat/message`, where WeChat pushes trade-management events (shipping settled). Unset: the endpoint answers 404. A secret: never logged.",
    ),
  WX_MESSAGE_MODE: z
    .enum(['plain', 'safe'])
    .default('plain')
    .describe(
      'The message push 消息加密方式 set in the console: `plain` (明文模式, signed) or `safe` (安全模式, signed and AES-encrypted; needs `WX_MESSAGE_AES_KEY`).',
    ),
  WX_MESSAGE_AES_KEY: optionalString
    .pipe(
      z
        .string()
        .regex(/^[A-Za-z0-9]{43}$/, 'must be the 43-character EncodingAESKey')
        .optional(),
    )
    .describe(
      'The message push EncodingAESKey (消息加密密钥), for `WX_MESSAGE_MODE=safe`. A secret: never logged.',
    ),
  WX_MESSAGE_MAX_AGE_SECONDS: intFrom(30, 86_400, 300).describe(
    'A message push whose timestamp is further than this from now (either way) is refused as a replay.',
  ),
  WX_API_BASE: baseUrl
    .default('https://api.weixin.qq.com')
    .describe(
      "WeChat's API host (code2Session, access_token, OAuth tokens); the sandbox locally. In production: `https://` on a public host name, not the sandbox (leave unset).",
    ),
  WX_OAUTH_BASE: baseUrl
    .default('https://open.weixin.qq.com')
    .describe("Where the official account's OAuth page lives; the sandbox locally."),
  PUBLIC_URL: optionalString
    .pipe(baseUrl.optional())
    .describe(
      'The server as browsers reach it (OAuth redirect_uri, H5 `scene_info`, the checkout page). Unset: `http://127.0.0.1:<PORT>`. Required in production: `https://` on a public host name, as `WXPAY_NOTIFY_URL`.',
    ),
  H5_WAP_NAME: z
    .string()
    .min(1)
    .max(32)
    .default('Fen shop')
    .describe('The site name H5 pay sends in `scene_info`.'),
  WEB_SANDBOX_URL: optionalString
    .pipe(baseUrl.optional())
    .describe(
      "Sandbox mode for the web checkout: the page loads the sandbox's `WeixinJSBridge` stand-in from here. Refused in production.",
    ),
  WXPAY_API_BASE: baseUrl
    .default('https://api.mch.weixin.qq.com')
    .describe("WeChat Pay's APIv2 host; the sandbox locally."),
  WXPAY_SECAPI_BASE: optionalString
    .pipe(baseUrl.optional())
    .describe(
      'The host for `/secapi/…` calls (refunds, with the merchant certificate). Unset: `WXPAY_API_BASE`.',
    ),
  WXPAY_TIMEOUT_MS: intFrom(100, 60_000, 10_000).describe(
    'How long one WeChat call may take, in milliseconds.',
  ),
  WXPAY_API_VERSION: optionalString
    .pipe(z.enum(['v2', 'v3']).default('v2'))
    .describe(
      'The WeChat Pay API the server speaks: `v2` or `v3`; routes, orders and clients stay the same.',
    ),
  WXPAY_V3_API_BASE: optionalString
    .pipe(baseUrl.default('https://api.mch.weixin.qq.com'))
    .describe("WeChat Pay's APIv3 host; the sandbox locally."),
  WXPAY_V3_KEY: optionalString.describe(
    `APIv3 only, and then required: the 32-byte APIv3 key (decrypts notifications and platform certificates). Refused if equal to the APIv2 key.${inProduction('WXPAY_V3_KEY')}`,
  ),
  WXPAY_CERT_SERIAL_NO: optionalString.describe(
    "APIv3: the merchant certificate's serial. Unset: read from the configured certificate; when given, it must match it.",
  ),
  WXPAY_PLATFORM_PUBLIC_KEY_ID: optionalString.describe(
    "APIv3 public-key mode: the key's id (`PUB_KEY_ID_…`), with `WXPAY_PLATFORM_PUBLIC_KEY_PATH`. Unset: platform certificates are downloaded.",
  ),
  WXPAY_PLATFORM_PUBLIC_KEY_PATH: optionalString.describe(
    'APIv3 public-key mode: the WeChat Pay public key (PEM), with `WXPAY_PLATFORM_PUBLIC_KEY_ID`.',
  ),
  SESSION_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters')
    .describe(
      `Signs the server's own session tokens (HMAC); at least 32 characters.${inProduction('SESSION_SECRET')}`,
    ),
  SESSION_TTL_SECONDS: intFrom(60, 30 * 86_400, 86_400).describe(
    'How long a session token is valid, in seconds.',
  ),
  ADMIN_TOKEN: optionalString
    .pipe(z.string().min(16, 'must be at least 16 characters').optional())
    .describe(
      `One shared bearer token for the \`/admin\` routes, the operator \`admin\`; at least 16 characters. Prefer \`ADMIN_TOKENS\`.${inProduction('ADMIN_TOKEN')}`,
    ),
  ADMIN_TOKENS: optionalString.describe(
    "The operators of the `/admin` routes, comma-separated `name:sha256hex`: each name (1–32 of `A-Z a-z 0-9 _ . -`) with the hex SHA-256 of that operator's bearer token (`sha256sum` of the token, without a newline). Refunds, timelines and logs record the name. With `ADMIN_TOKEN` too, that one is the operator `admin`; one of the two is required. In production a hash of a published demo token is refused.",
  ),
  ORDER_TTL_MINUTES: intFrom(1, 1440, 30).describe(
    'How long an order can be paid (`time_expire`), in minutes.',
  ),
  // Client addresses and rate limits (issue 15 §3): one block, kept together.
  TRUST_PROXY: proxyHops.describe(
    'Proxies in front of the server that append to `X-Forwarded-For` (0: none): the client is whom the outermost saw, never what it wrote. `true` / `false`: 1 / 0.',
  ),
  GUEST_SESSIONS_PER_MINUTE: intFrom(1, 100_000, 30).describe(
    'Guest sessions (Native / H5 pay, each one a new user) one client address (IPv6: its /64) may open per minute, over all instances.',
  ),
  LOGINS_PER_MINUTE: intFrom(1, 100_000, 60).describe(
    'Logins (`POST /api/session`, the OAuth callback: each a call to WeChat) one client address may make per minute.',
  ),
  ORDER_ACTIONS_PER_MINUTE: intFrom(1, 100_000, 30).describe(
    'Order creations, pay requests (channel switches) and cancels one user may make per minute.',
  ),
  ORDER_ACTIONS_PER_IP_PER_MINUTE: intFrom(1, 1_000_000, 600).describe(
    'The same per client address, all its users together (generous: many shoppers may share one address behind a carrier NAT).',
  ),
  ORDER_SYNC_INTERVAL_SECONDS: intFrom(1, 3600, 3).describe(
    '`?sync=1` asks WeChat (orderquery) about one order at most once in this many seconds; a sync in between answers from the database.',
  ),
  ORDER_SYNCS_PER_MINUTE: intFrom(1, 100_000, 60).describe(
    "Orderqueries one user's `?sync=1` calls may cause per minute, over all their orders; beyond, they answer from the database.",
  ),
  ORDER_MAX_CHANNEL_SWITCHES: intFrom(0, 100, 4).describe(
    'How many times one order may move to another pay channel (each a closeorder and a new unifiedorder); a further switch is refused.',
  ),
  RECONCILE_ENABLED: flag(true).describe('Run the reconciliation job.'),
  RECONCILE_INTERVAL_SECONDS: intFrom(1, 86_400, 60).describe(
    'How often the reconciliation job runs, in seconds.',
  ),
  RECONCILE_PENDING_AFTER_SECONDS: intFrom(0, 86_400, 120).describe(
    'A PENDING order older than this is asked about (orderquery), in seconds.',
  ),
  RECONCILE_REFUND_AFTER_SECONDS: intFrom(0, 86_400, 300).describe(
    'A refund PROCESSING for longer than this is asked about (refundquery), in seconds.',
  ),
  RECONCILE_BATCH_SIZE: intFrom(1, 1000, 50).describe(
    'Orders and refunds the job looks at per pass.',
  ),
  RECONCILE_LEASE_SECONDS: intFrom(5, 3600, 120).describe(
    "How long one instance holds the job's lease, in seconds.",
  ),
  BILL_RECONCILE_ENABLED: flag(true).describe(
    "Run the daily bill reconciliation: yesterday's trade bill matched against orders and refunds.",
  ),
  BILL_RECONCILE_HOUR: intFrom(0, 23, 10).describe(
    "The hour (Asia/Shanghai) from which yesterday's bill is fetched; WeChat makes it from 09:00 and advises after 10:00.",
  ),
  BILL_RECONCILE_CHECK_SECONDS: intFrom(1, 86_400, 300).describe(
    'How often the bill reconciliation looks whether a day is due, in seconds.',
  ),
  BILL_RECONCILE_ATTEMPTS: intFrom(1, 10, 4).describe(
    'Download attempts for one bill before the day is reported failed.',
  ),
  BILL_RECONCILE_BACKOFF_MS: intFrom(0, 3_600_000, 30_000).describe(
    'The wait before the first retry of a bill download, in milliseconds; it doubles with each retry.',
  ),
  SHUTDOWN_TIMEOUT_MS: intFrom(0, 120_000, 10_000).describe(
    'On SIGTERM, how long requests in flight may finish, in milliseconds.',
  ),
  ALERT_WEBHOOK_URL: optionalString
    .pipe(z.url({ protocol: /^https?$/ }).optional())
    .describe(
      "Where each new anomaly is pushed (a WeCom group robot's webhook, or any JSON endpoint); unset: no alerts, anomalies are only listed at `GET /admin/anomalies`. A secret (a robot's URL carries its key): never logged. Required to be `https://` in production.",
    ),
  ALERT_WEBHOOK_FORMAT: z
    .enum(ALERT_FORMATS)
    .default('wecom')
    .describe(
      'The alert\'s body: `wecom` (`{"msgtype":"text","text":{"content":"…"}}`, a WeCom group robot) or `json` (Fen\'s own fields; docs/server.md, "Anomalies").',
    ),
  LOG_LEVEL: z
    .enum(LOG_LEVELS)
    .default('info')
    .describe('`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`.'),
});
