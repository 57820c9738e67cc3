import type { SandboxClock } from '../clock.js';
import {
  newAccessToken,
  newCode,
  newSessionKey,
  newTicket,
  openIdFor,
  randomChars,
  unionIdFor,
} from '../ids.js';
import type { SandboxApp } from '../options.js';
import { ApiQuota } from './api-quota.js';
import type { QuotaApi } from './api-quota.js';

/** A WeChat JSON API error: `{errcode, errmsg}` with WeChat's `, rid: …` suffix. */
export interface WxApiError {
  errcode: number;
  errmsg: string;
}

export const apiError = (errcode: number, errmsg: string): WxApiError => ({
  errcode,
  errmsg: `${errmsg}, rid: ${randomChars(8, '0123456789abcdef')}-${randomChars(8, '0123456789abcdef')}`,
});

export const isApiError = (value: object): value is WxApiError => 'errcode' in value;

/** WeChat's answer once an app has used up an API's daily quota [docs/protocol.md §7]. */
const quotaReached = () => apiError(45009, 'reach max api daily quota limit');

const CODE_TTL_MS = 5 * 60_000; // wx.login and OAuth codes: 5 minutes, single use [D-c2s]
const TOKEN_TTL_S = 7200;
const TOKEN_OVERLAP_MS = 5 * 60_000; // an old token keeps working 5 minutes after a new one [D-token]
const STABLE_RENEW_BEFORE_S = 300; // stable_token renews 5 minutes before expiry [D-stable]
const FORCE_REFRESH_PER_DAY = 20;
const FORCE_REFRESH_GAP_MS = 30_000;

interface CodeRecord {
  appId: string;
  user: string;
  expiresAt: number;
  used: boolean;
  scope?: string;
}

interface TokenRecord {
  appId: string;
  expiresAt: number;
  /** When it stops working because a newer one replaced it. */
  invalidAt?: number;
}

/**
 * Login codes, openids, access tokens and tickets of the mini-program / official-account APIs.
 * Every method is synchronous: no request can interleave between a check and its update.
 */
export class Identities {
  readonly #apps = new Map<string, SandboxApp>();
  readonly #loginCodes = new Map<string, CodeRecord>();
  readonly #oauthCodes = new Map<string, CodeRecord>();
  readonly #tokens = new Map<string, TokenRecord>();
  /** latest token per `${kind}:${appId}` */
  readonly #latest = new Map<string, string>();
  readonly #forceRefreshes = new Map<string, number[]>();
  readonly #tickets = new Map<string, { value: string; expiresAt: number }>();
  /** Daily calls of `/cgi-bin/token` and getticket per app (45009 beyond), cleared by clear_quota. */
  readonly quota: ApiQuota;

  constructor(
    apps: SandboxApp[],
    private readonly clock: SandboxClock,
    quotaPerDay: Partial<Record<QuotaApi, number>> = {},
  ) {
    for (const app of apps) this.#apps.set(app.appId, app);
    this.quota = new ApiQuota(quotaPerDay, () => this.clock.nowMs());
  }

  app(appId: string): SandboxApp | undefined {
    return this.#apps.get(appId);
  }

  /** What wx.login() returns for test user `user`: a fresh single-use code. */
  issueLoginCode(
    appId: string,
    user: string,
  ): { code: string; openid: string; expires_in: number } {
    const code = newCode();
    this.#loginCodes.set(code, {
      appId,
      user,
      expiresAt: this.clock.nowMs() + CODE_TTL_MS,
      used: false,
    });
    this.#prune(this.#loginCodes);
    return { code, openid: openIdFor(appId, user), expires_in: CODE_TTL_MS / 1000 };
  }

  /** An official-account OAuth code (what the redirect to the merchant's page carries). */
  issueOAuthCode(
    appId: string,
    user: string,
    scope: string,
  ): { code: string; openid: string; expires_in: number } {
    const code = newCode();
    this.#oauthCodes.set(code, {
      appId,
      user,
      scope,
      expiresAt: this.clock.nowMs() + CODE_TTL_MS,
      used: false,
    });
    this.#prune(this.#oauthCodes);
    return { code, openid: openIdFor(appId, user), expires_in: CODE_TTL_MS / 1000 };
  }

  /** `GET /sns/jscode2session` [D-c2s]. */
  code2Session(q: Record<string, string | undefined>): WxApiError | Record<string, string> {
    const checked = this.#checkAppQuery(q, q.js_code, 'authorization_code');
    if (isApiError(checked)) return checked;
    const record = this.#redeem(this.#loginCodes, checked.appId, checked.code);
    if (isApiError(record)) return record;
    const app = this.#apps.get(checked.appId);
    return {
      session_key: newSessionKey(),
      openid: openIdFor(record.appId, record.user),
      ...(app?.unionId ? { unionid: unionIdFor(record.user) } : {}),
    };
  }

  /** `GET /sns/oauth2/access_token` [D-oauth]. */
  oauthAccessToken(
    q: Record<string, string | undefined>,
  ): WxApiError | Record<string, string | number> {
    const checked = this.#checkAppQuery(q, q.code, 'authorization_code');
    if (isApiError(checked)) return checked;
    const record = this.#redeem(this.#oauthCodes, checked.appId, checked.code);
    if (isApiError(record)) return record;
    const app = this.#apps.get(checked.appId);
    const scope = record.scope ?? 'snsapi_base';
    return {
      access_token: newAccessToken(),
      expires_in: TOKEN_TTL_S,
      refresh_token: newAccessToken(),
      openid: openIdFor(record.appId, record.user),
      scope,
      ...(app?.unionId && scope === 'snsapi_userinfo' ? { unionid: unionIdFor(record.user) } : {}),
    };
  }

  /** `GET /cgi-bin/token`: a new token each call; the previous one works 5 more minutes [D-token]. */
  accessToken(
    q: Record<string, string | undefined>,
  ): WxApiError | { access_token: string; expires_in: number } {
    const checked = this.#checkAppQuery(q, 'unused', 'client_credential');
    if (isApiError(checked)) return checked;
    if (!this.quota.take('token', checked.appId)) return quotaReached();
    return this.#issueToken(`token:${checked.appId}`, checked.appId, TOKEN_OVERLAP_MS);
  }

  /**
   * `POST /cgi-bin/clear_quota?access_token=` with `{appid}`: the app's daily counts back to zero,
   * 10 times a month. The token must be the app's own (the errcode otherwise is not verified).
   */
  clearQuota(token: string | undefined, body: Record<string, unknown>): WxApiError {
    const owner = this.checkAccessToken(token);
    if (isApiError(owner)) return owner;
    if (typeof body.appid !== 'string' || body.appid === '')
      return apiError(41002, 'appid missing');
    if (body.appid !== owner.appId) return apiError(40013, 'invalid appid');
    return this.#clear(owner.appId);
  }

  /** `POST /cgi-bin/clear_quota/v2` with `{appid, appsecret}`: works when no token can be had. */
  clearQuotaV2(body: Record<string, unknown>): WxApiError {
    const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
    const appId = str(body.appid);
    const secret = str(body.appsecret);
    if (!appId) return apiError(41002, 'appid missing');
    if (!secret) return apiError(41004, 'appsecret missing');
    const app = this.#apps.get(appId);
    if (!app) return apiError(40013, 'invalid appid');
    if (app.secret !== secret) return apiError(40125, 'invalid appsecret');
    return this.#clear(appId);
  }

  #clear(appId: string): WxApiError {
    // 48006 for the monthly limit: the code is WeChat's, its message here is not verified.
    if (!this.quota.clear(appId))
      return apiError(48006, 'forbid to clear quota because of reaching the limit');
    return { errcode: 0, errmsg: 'ok' };
  }

  /**
   * `POST /cgi-bin/stable_token` [D-stable]: the same token while it has more than 5 minutes
   * left; `force_refresh` replaces it at once (20 a day, 30 s apart). Separate from `/cgi-bin/token`.
   */
  stableToken(
    body: Record<string, unknown>,
  ): WxApiError | { access_token: string; expires_in: number } {
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const checked = this.#checkAppQuery(
      { grant_type: str(body.grant_type), appid: str(body.appid), secret: str(body.secret) },
      'unused',
      'client_credential',
    );
    if (isApiError(checked)) return checked;
    const key = `stable:${checked.appId}`;
    const now = this.clock.nowMs();
    if (body.force_refresh === true) {
      const recent = (this.#forceRefreshes.get(key) ?? []).filter((t) => t > now - 86_400_000);
      if (recent.length >= FORCE_REFRESH_PER_DAY)
        return apiError(45009, 'reach max api daily quota limit');
      const last = recent.at(-1);
      if (last !== undefined && now - last < FORCE_REFRESH_GAP_MS) {
        return apiError(45011, 'api minute-quota reach limit  mustslower  retry next minute');
      }
      recent.push(now);
      this.#forceRefreshes.set(key, recent);
      return this.#issueToken(key, checked.appId, 0);
    }
    const current = this.#latest.get(key);
    const record = current ? this.#tokens.get(current) : undefined;
    if (current && record && record.expiresAt - now > STABLE_RENEW_BEFORE_S * 1000) {
      return { access_token: current, expires_in: Math.floor((record.expiresAt - now) / 1000) };
    }
    // Renewal near expiry: the old token still works until it expires by itself.
    return this.#issueToken(key, checked.appId, Number.POSITIVE_INFINITY);
  }

  /** Which app an access_token belongs to, or WeChat's error for it. */
  checkAccessToken(token: string | undefined): WxApiError | { appId: string } {
    if (!token) return apiError(41001, 'access_token missing');
    const record = this.#tokens.get(token);
    const now = this.clock.nowMs();
    if (!record)
      return apiError(40001, 'invalid credential, access_token is invalid or not latest');
    if (now >= record.expiresAt) return apiError(42001, 'access_token expired');
    if (record.invalidAt !== undefined && now >= record.invalidAt) {
      return apiError(40001, 'invalid credential, access_token is invalid or not latest');
    }
    return { appId: record.appId };
  }

  /** `GET /cgi-bin/ticket/getticket?type=jsapi|wx_card` [D-jssdk]: one ticket per app while valid. */
  ticket(q: Record<string, string | undefined>): WxApiError | Record<string, string | number> {
    const owner = this.checkAccessToken(q.access_token);
    if (isApiError(owner)) return owner;
    const type = q.type ?? '';
    if (type !== 'jsapi' && type !== 'wx_card') return apiError(40097, 'invalid args');
    if (!this.quota.take('ticket', owner.appId)) return quotaReached();
    const key = `${type}:${owner.appId}`;
    const now = this.clock.nowMs();
    let ticket = this.#tickets.get(key);
    if (!ticket || ticket.expiresAt <= now) {
      ticket = { value: newTicket(), expiresAt: now + TOKEN_TTL_S * 1000 };
      this.#tickets.set(key, ticket);
    }
    return {
      errcode: 0,
      errmsg: 'ok',
      ticket: ticket.value,
      expires_in: Math.floor((ticket.expiresAt - now) / 1000),
    };
  }

  #issueToken(latestKey: string, appId: string, overlapMs: number) {
    const now = this.clock.nowMs();
    const previous = this.#latest.get(latestKey);
    const previousRecord = previous ? this.#tokens.get(previous) : undefined;
    if (previousRecord && Number.isFinite(overlapMs)) {
      previousRecord.invalidAt = Math.min(previousRecord.invalidAt ?? Infinity, now + overlapMs);
    }
    const token = newAccessToken();
    this.#tokens.set(token, { appId, expiresAt: now + TOKEN_TTL_S * 1000 });
    this.#latest.set(latestKey, token);
    for (const [value, record] of this.#tokens) {
      if (record.expiresAt <= now || (record.invalidAt ?? Infinity) <= now)
        this.#tokens.delete(value);
    }
    return { access_token: token, expires_in: TOKEN_TTL_S };
  }

  /** The checks every appid+secret query shares, in WeChat's order. */
  #checkAppQuery(
    q: Record<string, string | undefined>,
    code: string | undefined,
    grantType: string,
  ): WxApiError | { appId: string; code: string } {
    if (!q.appid) return apiError(41002, 'appid missing');
    if (!q.secret) return apiError(41004, 'appsecret missing');
    if (!code) return apiError(41008, 'missing code');
    if (q.grant_type !== grantType) return apiError(40002, 'invalid grant_type');
    const app = this.#apps.get(q.appid);
    if (!app) return apiError(40013, 'invalid appid');
    if (app.secret !== q.secret) return apiError(40125, 'invalid appsecret');
    return { appId: app.appId, code };
  }

  #redeem(codes: Map<string, CodeRecord>, appId: string, code: string): WxApiError | CodeRecord {
    const record = codes.get(code);
    if (!record || record.appId !== appId || this.clock.nowMs() >= record.expiresAt) {
      return apiError(40029, 'invalid code');
    }
    if (record.used) return apiError(40163, 'code been used');
    record.used = true;
    return record;
  }

  #prune(codes: Map<string, CodeRecord>): void {
    if (codes.size < 10_000) return;
    const now = this.clock.nowMs();
    for (const [code, record] of codes)
      if (record.expiresAt + CODE_TTL_MS < now) codes.delete(code);
  }
}
