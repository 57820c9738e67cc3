import { Router } from '@koa/router';
import type { JssdkConfigResponse } from '@fen/contracts';
import type { Context } from 'koa';
import { appError, isAppError } from '../errors.js';
import type { AppState } from '../http/context.js';
import { setOAuthNonce, takeOAuthNonce } from '../http/oauth-cookie.js';
import { sendHtmlPage } from '../http/security-headers.js';
import type { RouteRateLimits } from '../http/rate-limit.js';
import type { OAuthLoginService } from '../services/oauth-login-service.js';
import type { SessionService } from '../services/session-service.js';
import { checkoutPage, loginFailedPage } from '../web/checkout-page.js';

export interface WebRoutesDeps {
  oauth: OAuthLoginService;
  sessions: SessionService;
  jssdkConfig(url: string): Promise<JssdkConfigResponse>;
  /** The server as browsers reach it: only its own pages get a JS-SDK signature. */
  publicUrl: string;
  /** The sandbox's URL when the page runs against it (its WeixinJSBridge stand-in). */
  sandboxUrl?: string;
}

const queryString = (ctx: Context, name: string): string => {
  const value = ctx.query[name];
  return typeof value === 'string' ? value : '';
};

/**
 * The web channels: the checkout page, official-account login (OAuth `snsapi_base`), guest
 * sessions for Native and H5 pay, and `wx.config` signatures for the official account's pages.
 */
export function webRoutes(
  deps: WebRoutesDeps,
  limits: Pick<RouteRateLimits, 'guestSessions' | 'logins' | 'jssdk'>,
) {
  const router = new Router<AppState>();

  router.get('/checkout', (ctx) => {
    sendHtmlPage(ctx, (nonce) => checkoutPage({ sandboxUrl: deps.sandboxUrl, nonce }), {
      ...(deps.sandboxUrl ? { scripts: [deps.sandboxUrl] } : {}),
    });
  });

  router.get('/oa/login', (ctx) => {
    const { url, nonce } = deps.oauth.start(queryString(ctx, 'redirect') || '/checkout?c=jsapi');
    setOAuthNonce(ctx, nonce, deps.publicUrl);
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(url);
  });

  // The browser leaves at once for the page it came from, so reloading that page never
  // re-sends this single-use code; the token travels in the fragment, which no server logs.
  router.get('/oa/callback', limits.logins, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    // Single use: whatever comes of this callback, the nonce is spent.
    const nonce = takeOAuthNonce(ctx, deps.publicUrl);
    try {
      const { redirect, session } = await deps.oauth.finish(
        queryString(ctx, 'code'),
        queryString(ctx, 'state'),
        nonce,
        ctx.state.log,
      );
      ctx.redirect(`${redirect}#token=${encodeURIComponent(session.token)}`);
    } catch (err) {
      if (!isAppError(err) || !err.expose) throw err;
      ctx.status = err.status;
      sendHtmlPage(ctx, (nonce) => loginFailedPage(err.message, nonce));
    }
  });

  router.post('/api/guest-session', limits.guestSessions, async (ctx) => {
    ctx.status = 201;
    ctx.body = await deps.sessions.guest();
  });

  router.get('/api/oa/jssdk-config', limits.jssdk, async (ctx) => {
    const url = queryString(ctx, 'url');
    if (!url.startsWith(`${deps.publicUrl}/`)) {
      throw appError('VALIDATION_FAILED', `url must be a page of ${deps.publicUrl}`);
    }
    ctx.body = await deps.jssdkConfig(url);
  });

  return router;
}
