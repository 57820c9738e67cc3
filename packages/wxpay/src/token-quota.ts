import { isWxPayError, wxPayError } from './errors.js';
import type { FetchedToken, RefreshOptions } from './token-provider.js';

/** The tokens WeChat limits per day: `/cgi-bin/token` (or stable_token) and the jsapi_ticket. */
export type TokenKind = 'access_token' | 'jsapi_ticket';

/** WeChat's errcode once an API's daily quota is used up: `reach max api daily quota limit`. */
export const QUOTA_EXHAUSTED_ERRCODE = 45009;

/**
 * Watches the fetches of tokens from WeChat (cache hits never reach it), so the daily quota can
 * be counted and a used-up quota is not hammered: `createWeChatApi({ fetchGuard })`.
 */
export interface TokenFetchGuard {
  /**
   * Called before each fetch from WeChat. Throw (e.g. {@link quotaBlockedError}) to refuse it:
   * the token provider then keeps serving its cached token while that is still valid.
   */
  beforeFetch(appId: string, kind: TokenKind): Promise<void>;
  /** WeChat answered 45009 to a fetch: this appid's daily quota for `kind` is used up. */
  quotaExhausted(appId: string, kind: TokenKind): Promise<void>;
}

/** The error a guard throws to refuse a fetch: `TOKEN_QUOTA_BLOCKED`, errcode 45009. */
export function quotaBlockedError(appId: string, kind: TokenKind) {
  return wxPayError(
    'api',
    'TOKEN_QUOTA_BLOCKED',
    `${kind} fetches for ${appId} are paused: WeChat answered 45009 (daily quota reached)`,
    { errcode: QUOTA_EXHAUSTED_ERRCODE, errmsg: 'daily quota reached; fetch paused by Fen' },
  );
}

/** 45009 errors already reported: the ticket's fetch sees the access_token's own 45009 too. */
const reported = new WeakSet<object>();

/** `fetch` behind the guard: asked first, told when WeChat answers 45009 to this very fetch. */
export function guardedFetch(
  guard: TokenFetchGuard | undefined,
  appId: string,
  kind: TokenKind,
  fetch: (reason: RefreshOptions) => Promise<FetchedToken>,
): (reason: RefreshOptions) => Promise<FetchedToken> {
  if (!guard) return fetch;
  return async (reason) => {
    await guard.beforeFetch(appId, kind);
    try {
      return await fetch(reason);
    } catch (err) {
      if (isWxPayError(err, `WX_${QUOTA_EXHAUSTED_ERRCODE}`) && !reported.has(err)) {
        reported.add(err);
        await guard.quotaExhausted(appId, kind);
      }
      throw err;
    }
  };
}
