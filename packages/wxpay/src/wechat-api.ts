import { isWxPayError, wxPayError } from './errors.js';
import { createAgent } from './http.js';
import { isHttpUrl } from './url.js';
import type { CaCertificates } from './http.js';
import { MemoryTokenCache } from './token-cache.js';
import type { LockOptions, TokenCache } from './token-cache.js';
import { createTokenProvider } from './token-provider.js';
import { guardedFetch } from './token-quota.js';
import type { TokenFetchGuard } from './token-quota.js';
import type { FetchedToken, RefreshOptions } from './token-provider.js';
import { createMiniProgramShippingApi } from './mini-program-shipping.js';
import type { MiniProgramShippingApi } from './mini-program-shipping.js';
import { callWeChatJson, requireSeconds, requireString } from './wechat-http.js';
import type { WeChatHttp, WeChatJson } from './wechat-http.js';

export interface WeChatApiOptions {
  appId: string;
  /** AppSecret. Sent only to WeChat; never part of an error or log line. */
  secret: string;
  /** Default `https://api.weixin.qq.com`; the sandbox's URL in development. */
  baseUrl?: string;
  /** Shared token storage; default an in-process {@link MemoryTokenCache}. */
  tokenCache?: TokenCache;
  /** Per request. Default 10 000 ms. */
  timeoutMs?: number;
  /** Extra trusted CAs (a sandbox served over HTTPS). */
  ca?: CaCertificates;
  /** `callWithAccessToken` and `getJsapiTicket` use `stable_token` instead of `cgi-bin/token`. */
  useStableToken?: boolean;
  /** Renew tokens this long before expiry (ms). Default 5 minutes. */
  refreshAheadMs?: number;
  /** Clock (epoch ms), injectable for tests. */
  now?: () => number;
  lock?: LockOptions;
  /** Sees every token fetch from WeChat (not cache hits): counts them, pauses them after 45009. */
  fetchGuard?: TokenFetchGuard;
}

export interface Code2SessionResult {
  openid: string;
  /** Secret: keep it on the server. */
  session_key: string;
  unionid?: string;
}

export interface OAuthAccessTokenResult {
  openid: string;
  access_token: string;
  expires_in: number;
  refresh_token: string;
  scope: string;
  unionid?: string;
}

/** Includes the mini-program shipping-info APIs (发货信息管理), with the cached access_token. */
export interface WeChatApi extends MiniProgramShippingApi {
  code2Session(code: string): Promise<Code2SessionResult>;
  oauthAccessToken(code: string): Promise<OAuthAccessTokenResult>;
  getAccessToken(): Promise<string>;
  getStableAccessToken(options?: { forceRefresh?: boolean }): Promise<string>;
  getJsapiTicket(): Promise<string>;
  invalidateAccessToken(): Promise<void>;
  callWithAccessToken<T>(fn: (accessToken: string) => Promise<T>): Promise<T>;
  /**
   * Resets this app's daily API quota at WeChat (`POST /cgi-bin/clear_quota/v2` with the
   * AppSecret, so it works while no token can be fetched). WeChat allows 10 resets a month.
   */
  clearQuota(): Promise<void>;
  /** Closes the connection pool. */
  close(): Promise<void>;
}

/** Errors meaning "this access_token is no longer good": drop it and retry once. */
const TOKEN_REJECTED = new Set([40001, 42001]);

/**
 * The mini-program / official-account server APIs [D-c2s][D-token][D-stable][D-jssdk][D-oauth]:
 * login codes, OAuth, and access_token / jsapi_ticket through a shared {@link TokenCache}.
 */
export function createWeChatApi(options: WeChatApiOptions): WeChatApi {
  validateOptions(options);
  const { appId, secret } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const dispatcher = createAgent({ timeoutMs, ca: options.ca });
  const http: WeChatHttp = {
    baseUrl: options.baseUrl ?? 'https://api.weixin.qq.com',
    dispatcher,
    timeoutMs,
  };
  const cache = options.tokenCache ?? new MemoryTokenCache({ now: options.now });
  const providerOptions = {
    cache,
    now: options.now,
    refreshAheadMs: options.refreshAheadMs,
    lock: options.lock,
  };

  const accessToken = createTokenProvider({
    ...providerOptions,
    key: `${appId}:access_token`,
    fetch: guardedFetch(options.fetchGuard, appId, 'access_token', async () => {
      const json = await callWeChatJson(http, 'GET', '/cgi-bin/token', {
        grant_type: 'client_credential',
        appid: appId,
        secret,
      });
      return tokenFrom(json, 'access_token', 'GET /cgi-bin/token');
    }),
  });

  const stableAccessToken = createTokenProvider({
    ...providerOptions,
    key: `${appId}:stable_access_token`,
    // stable_token hands back the same token while it is valid, so a refused one needs force.
    fetch: guardedFetch(
      options.fetchGuard,
      appId,
      'access_token',
      async (reason: RefreshOptions) => {
        const json = await callWeChatJson(
          http,
          'POST',
          '/cgi-bin/stable_token',
          {},
          {
            grant_type: 'client_credential',
            appid: appId,
            secret,
            force_refresh: reason.force === true || reason.rejected !== undefined,
          },
        );
        return tokenFrom(json, 'access_token', 'POST /cgi-bin/stable_token');
      },
    ),
  });

  const tokenInUse = options.useStableToken ? stableAccessToken : accessToken;

  async function callWithAccessToken<T>(fn: (token: string) => Promise<T>): Promise<T> {
    const token = await tokenInUse.get();
    try {
      const result = await fn(token);
      if (!isTokenRejection(result)) return result;
    } catch (err) {
      if (!isTokenRejection(err)) throw err;
    }
    const fresh = await tokenInUse.refresh({ rejected: token });
    return fn(fresh);
  }

  const jsapiTicket = createTokenProvider({
    ...providerOptions,
    key: `${appId}:jsapi_ticket`,
    fetch: guardedFetch(options.fetchGuard, appId, 'jsapi_ticket', async () => {
      const json = await callWithAccessToken((token) =>
        callWeChatJson(http, 'GET', '/cgi-bin/ticket/getticket', {
          access_token: token,
          type: 'jsapi',
        }),
      );
      return tokenFrom(json, 'ticket', 'GET /cgi-bin/ticket/getticket');
    }),
  });

  return {
    async code2Session(code) {
      requireCode(code, 'code2Session');
      const label = 'GET /sns/jscode2session';
      const json = await callWeChatJson(http, 'GET', '/sns/jscode2session', {
        appid: appId,
        secret,
        js_code: code,
        grant_type: 'authorization_code',
      });
      return {
        openid: requireString(json, 'openid', label),
        session_key: requireString(json, 'session_key', label),
        ...optionalString(json, 'unionid'),
      };
    },
    async oauthAccessToken(code) {
      requireCode(code, 'oauthAccessToken');
      const label = 'GET /sns/oauth2/access_token';
      const json = await callWeChatJson(http, 'GET', '/sns/oauth2/access_token', {
        appid: appId,
        secret,
        code,
        grant_type: 'authorization_code',
      });
      return {
        openid: requireString(json, 'openid', label),
        access_token: requireString(json, 'access_token', label),
        expires_in: requireSeconds(json, 'expires_in', label),
        refresh_token: requireString(json, 'refresh_token', label),
        scope: typeof json.scope === 'string' ? json.scope : '',
        ...optionalString(json, 'unionid'),
      };
    },
    getAccessToken: () => accessToken.get(),
    getStableAccessToken: (opts = {}) =>
      opts.forceRefresh ? stableAccessToken.refresh({ force: true }) : stableAccessToken.get(),
    getJsapiTicket: () => jsapiTicket.get(),
    invalidateAccessToken: () => tokenInUse.invalidate(),
    callWithAccessToken,
    async clearQuota() {
      await callWeChatJson(
        http,
        'POST',
        '/cgi-bin/clear_quota/v2',
        {},
        {
          appid: appId,
          appsecret: secret,
        },
      );
    },
    ...createMiniProgramShippingApi(http, callWithAccessToken, appId),
    close: () => dispatcher.close(),
  };
}

/** A thrown `api` error, or a returned WeChat JSON object, with errcode 40001 / 42001. */
function isTokenRejection(value: unknown): boolean {
  if (isWxPayError(value)) return value.errcode !== undefined && TOKEN_REJECTED.has(value.errcode);
  if (value === null || typeof value !== 'object') return false;
  return TOKEN_REJECTED.has(Number((value as WeChatJson).errcode));
}

function tokenFrom(json: WeChatJson, field: string, label: string): FetchedToken {
  return {
    value: requireString(json, field, label),
    expiresInSeconds: requireSeconds(json, 'expires_in', label),
  };
}

function optionalString(json: WeChatJson, field: 'unionid'): { unionid?: string } {
  const value = json[field];
  return typeof value === 'string' && value !== '' ? { [field]: value } : {};
}

function requireCode(code: unknown, method: string): void {
  if (typeof code !== 'string' || code.trim() === '') {
    throw wxPayError('config', 'INVALID_ARGUMENT', `${method}: code must be a non-empty string`);
  }
}

function validateOptions(options: WeChatApiOptions): void {
  const problems: string[] = [];
  if (typeof options.appId !== 'string' || !/^wx[0-9A-Za-z]{16}$/.test(options.appId)) {
    problems.push('appId must be "wx" followed by 16 letters or digits');
  }
  if (typeof options.secret !== 'string' || options.secret.length === 0) {
    problems.push('secret (the AppSecret) is required');
  }
  if (options.baseUrl !== undefined && !isHttpUrl(options.baseUrl)) {
    problems.push('baseUrl must be an http(s) URL');
  }
  if (
    options.timeoutMs !== undefined &&
    !(Number.isInteger(options.timeoutMs) && options.timeoutMs > 0)
  ) {
    problems.push('timeoutMs must be a positive integer');
  }
  if (problems.length > 0) {
    throw wxPayError('config', 'INVALID_OPTIONS', `createWeChatApi: ${problems.join('; ')}`);
  }
}
