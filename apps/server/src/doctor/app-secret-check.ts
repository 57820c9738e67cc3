import { randomBytes } from 'node:crypto';
import { createWeChatApi, isWxPayError } from '@fen/wxpay';
import type { TokenCache } from '@fen/wxpay';
import { fail, messageOf, ok } from './check.js';
import type { CheckResult } from './check.js';

/** One app whose AppSecret the server holds. */
export interface AppCredentials {
  kind: 'mini-program' | 'official account';
  appId: string;
  appSecret: string;
  /** The settings that hold them, for the fix. */
  appIdSetting: 'WX_APPID' | 'WX_OA_APPID';
  secretSetting: 'WX_APPSECRET' | 'WX_OA_APPSECRET';
}

export interface AppSecretCheckContext {
  apiBase: string;
  ca?: string;
  timeoutMs: number;
  /** The server's token cache (Redis); undefined without REDIS_URL. */
  tokenCache?: TokenCache;
}

/** WeChat's answers to an appid + secret that is not right (`/cgi-bin/token` says 40001). */
const WRONG_SECRET = new Set([40001, 40125]);
/** What WeChat says about a login / OAuth code it never issued: the secret was accepted. */
const UNKNOWN_CODE = new Set([40029, 40163]);

/**
 * The AppSecret, proved at WeChat without spending quota: an access_token through the server's
 * own cache (a cached one costs nothing; a fetched one is cached for the server), and when the
 * token came from the cache (so it proves nothing about today's secret), or there is no shared
 * cache to put a new token in (a fetch would retire the running server's token after 5 minutes),
 * a login code WeChat never issued: WeChat checks the secret before the code.
 */
export async function checkAppSecret(
  app: AppCredentials,
  ctx: AppSecretCheckContext,
): Promise<CheckResult> {
  const name = `AppSecret ${app.appId} (${app.kind})`;
  const api = createWeChatApi({
    appId: app.appId,
    secret: app.appSecret,
    baseUrl: ctx.apiBase,
    timeoutMs: ctx.timeoutMs,
    ...(ctx.tokenCache ? { tokenCache: ctx.tokenCache } : {}),
    ...(ctx.ca ? { ca: ctx.ca } : {}),
    lock: { waitMs: ctx.timeoutMs },
  });
  try {
    let token =
      "no access_token fetched (without REDIS_URL a fetch would retire the running server's token)";
    if (ctx.tokenCache) {
      const cached = await ctx.tokenCache.get(`${app.appId}:access_token`);
      const fresh = cached !== undefined && Date.now() < cached.refreshAt;
      await api.getAccessToken();
      if (!fresh)
        return ok(name, 'accepted: access_token fetched and cached in Redis for the server');
      token = 'access_token served from the shared Redis cache (no fetch spent)';
    }
    const madeUpCode = `fendoctor${randomBytes(8).toString('hex')}`;
    try {
      await (app.kind === 'mini-program'
        ? api.code2Session(madeUpCode)
        : api.oauthAccessToken(madeUpCode));
    } catch (err) {
      if (isWxPayError(err) && err.errcode !== undefined && UNKNOWN_CODE.has(err.errcode)) {
        return ok(name, `accepted (WeChat refused only a made-up code); ${token}`);
      }
      throw err;
    }
    return ok(name, `accepted; ${token}`);
  } catch (err) {
    return fail(name, explain(err, app));
  } finally {
    await api.close();
  }
}

function explain(err: unknown, app: AppCredentials): string {
  if (!isWxPayError(err)) return `the check failed: ${messageOf(err)}`;
  const said = `WeChat errcode ${err.errcode} ${err.errmsg ?? ''}`.trim();
  const console =
    app.kind === 'mini-program'
      ? 'mp.weixin.qq.com → 开发管理 → 开发设置 → AppSecret(小程序密钥)'
      : 'mp.weixin.qq.com → 设置与开发 → 基本配置 → 开发者密码(AppSecret)';
  if (err.errcode !== undefined && WRONG_SECRET.has(err.errcode)) {
    return `AppSecret of ${app.appId} is wrong (${said}): set ${app.secretSetting} to the AppSecret shown at ${console}; a reset secret replaces the old one at once`;
  }
  if (err.errcode === 40013) {
    return `WeChat does not know appid ${app.appId} (${said}): check ${app.appIdSetting}`;
  }
  if (err.errcode === 40164 || err.errcode === 61004) {
    return `this machine's IP is not on the app's IP whitelist (${said}): add the server's public IP at ${console} → IP白名单`;
  }
  if (err.kind === 'transport') {
    return `WeChat did not answer (${err.message}): check WX_API_BASE and the network`;
  }
  return `WeChat refused (${err.errcode === undefined ? err.message : said})`;
}
