import { createHash, randomBytes, randomInt } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const randomFrom = (alphabet: string, length: number) =>
  Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');

/**
 * A merchant made up for one run, shaped as WeChat issues them (never the demo values): its
 * mch_id, mini-program appid and AppSecret, APIv2 key; and the server's own secrets.
 */
export function generateMerchant() {
  const adminToken = randomBytes(24).toString('base64url');
  return {
    mchId: `1${randomFrom('0123456789', 9)}`,
    appId: `wx${randomBytes(8).toString('hex')}`,
    appSecret: randomBytes(16).toString('hex'),
    key: randomFrom(ALPHANUMERIC, 32),
    sessionSecret: randomBytes(32).toString('base64url'),
    adminToken,
    adminTokenSha256: createHash('sha256').update(adminToken).digest('hex'),
  };
}

export type Merchant = ReturnType<typeof generateMerchant>;

export interface ProductionEnvOptions {
  merchant: Merchant;
  /** `https://shop.…:<nginx port>`: where browsers and WeChat reach the shop. */
  publicUrl: string;
  /** WeChat's bases (the sandbox at WeChat's made-up names). */
  wechat: { api: string; oauth: string; pay: string };
  merchantCert: { certPath: string; keyPath: string };
  databaseUri: string;
  redisUrl: string;
  redisKeyPrefix: string;
  /** Settings over these (the test's rate limit). */
  env?: Record<string, string>;
}

/**
 * The server's environment as production requires it (FEN_ENV=production): generated secrets,
 * https URLs with public host names, WeChat over HTTPS trusted through the system's CAs (here
 * NODE_EXTRA_CA_CERTS, never WXPAY_CA_CERT_PATH), no WEB_SANDBOX_URL, Redis, one proxy hop.
 * PORT is each instance's own.
 */
export function productionEnv(options: ProductionEnvOptions): Record<string, string> {
  const { merchant } = options;
  return {
    FEN_ENV: 'production',
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    MONGODB_URI: options.databaseUri,
    REDIS_URL: options.redisUrl,
    REDIS_KEY_PREFIX: options.redisKeyPrefix,
    WX_APPID: merchant.appId,
    WX_APPSECRET: merchant.appSecret,
    WXPAY_MCHID: merchant.mchId,
    WXPAY_KEY: merchant.key,
    WXPAY_CERT_PEM_PATH: options.merchantCert.certPath,
    WXPAY_KEY_PEM_PATH: options.merchantCert.keyPath,
    WXPAY_NOTIFY_URL: `${options.publicUrl}/wxpay/notify`,
    WXPAY_REFUND_NOTIFY_URL: `${options.publicUrl}/wxpay/refund-notify`,
    PUBLIC_URL: options.publicUrl,
    WX_API_BASE: options.wechat.api,
    WX_OAUTH_BASE: options.wechat.oauth,
    WXPAY_API_BASE: options.wechat.pay,
    SESSION_SECRET: merchant.sessionSecret,
    // Operators by name; the file keeps only the hash of each one's token.
    ADMIN_TOKENS: `ops:${merchant.adminTokenSha256}`,
    TRUST_PROXY: '1',
    RECONCILE_ENABLED: 'true',
    SHUTDOWN_TIMEOUT_MS: '10000',
    LOG_LEVEL: 'info',
    ...options.env,
  };
}
