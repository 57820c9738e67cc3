// The server's environment against a local WeChat sandbox, built in one place for `npm start`,
// the tests, the storm and the bench. A new required setting goes here and in
// `apps/server/.env.example` (a test checks the two agree on the demo values).
import { join } from 'node:path';
import { DEMO_MERCHANT } from './demo-merchant.mjs';

/** The server's own demo secrets (session tokens, admin bearer token): public values. */
export const DEMO_SERVER_SECRETS = Object.freeze({
  sessionSecret: 'fen-demo-session-secret-change-me-0123456789',
  adminToken: 'fen-demo-admin-token-change-me',
});

/** Where WeChat lives for a server that must never reach it: a port nothing listens on. */
export const NOWHERE = Object.freeze({ url: 'http://127.0.0.1:9', tlsUrl: 'https://127.0.0.1:9' });

/**
 * @typedef {Record<string, string | undefined>} EnvLayer
 *
 * @typedef {object} ServerEnvOptions
 * @property {number | string} port the port the server listens on
 * @property {string} databaseUri `MONGODB_URI`
 * @property {string} certsDir the demo certificates: `apps/wx-sandbox/certs` (absolute, or
 *   relative to where the server runs)
 * @property {{ url: string, tlsUrl: string }} [sandbox] where WeChat lives; none: {@link NOWHERE}
 * @property {string} [redisUrl] `REDIS_URL`; none: the server runs without Redis
 * @property {'v2' | 'v3'} [apiVersion] the WeChat Pay API spoken (default v2)
 * @property {string} [host] the address the server binds and is reached at: a demo value
 *   (`defaults` may change what it binds), default 127.0.0.1
 * @property {string} [publicUrl] where WeChat and browsers reach the server (notifications,
 *   OAuth, H5): default `http://<host>:<port>`
 * @property {EnvLayer} [defaults] values above the demo merchant and below the stack (npm start:
 *   `.env.example`)
 * @property {EnvLayer} [env] the last word: the caller's settings (npm start: your environment)
 */

/**
 * The environment, in layers, later ones winning: the demo merchant and its certificates <
 * `defaults` < this stack (ports, database, Redis, WeChat's bases, notification URLs, API
 * version) < `env`. Unset (undefined) values are left out.
 * @param {ServerEnvOptions} options
 * @returns {Record<string, string>}
 */
export function serverEnv(options) {
  const host = options.host ?? '127.0.0.1';
  const publicUrl = options.publicUrl ?? `http://${host}:${options.port}`;
  const wechat = options.sandbox ?? NOWHERE;
  const v3 = options.apiVersion === 'v3';
  // APIv3 notifications have their own routes; WeChat is told the ones the server checks.
  const notify = `${publicUrl}${v3 ? '/wxpay/v3' : '/wxpay'}`;
  /** @type {EnvLayer} */
  const demo = {
    HOST: host,
    WX_APPID: DEMO_MERCHANT.appId,
    WX_APPSECRET: DEMO_MERCHANT.appSecret,
    WXPAY_MCHID: DEMO_MERCHANT.mchId,
    WXPAY_KEY: DEMO_MERCHANT.key,
    WXPAY_SIGN_TYPE: 'MD5',
    // Read only with WXPAY_API_VERSION=v3.
    WXPAY_V3_KEY: DEMO_MERCHANT.apiV3Key,
    WXPAY_CERT_P12_PATH: join(options.certsDir, 'apiclient_cert.p12'),
    // Trust the sandbox's TLS certificate (its CA) for /secapi/… calls.
    WXPAY_CA_CERT_PATH: join(options.certsDir, 'ca.pem'),
    SESSION_SECRET: DEMO_SERVER_SECRETS.sessionSecret,
    ADMIN_TOKEN: DEMO_SERVER_SECRETS.adminToken,
  };
  /** @type {EnvLayer} */
  const stack = {
    PORT: String(options.port),
    MONGODB_URI: options.databaseUri,
    REDIS_URL: options.redisUrl,
    WX_API_BASE: wechat.url,
    WX_OAUTH_BASE: wechat.url,
    WXPAY_API_BASE: wechat.url,
    WXPAY_SECAPI_BASE: wechat.tlsUrl,
    WXPAY_V3_API_BASE: wechat.url,
    WXPAY_API_VERSION: v3 ? 'v3' : undefined,
    WXPAY_NOTIFY_URL: `${notify}/notify`,
    WXPAY_REFUND_NOTIFY_URL: `${notify}/refund-notify`,
    PUBLIC_URL: publicUrl,
  };
  /** @type {Record<string, string>} */
  const result = {};
  for (const layer of [demo, options.defaults ?? {}, stack, options.env ?? {}]) {
    for (const [name, value] of Object.entries(layer))
      if (value !== undefined) result[name] = value;
  }
  return result;
}
