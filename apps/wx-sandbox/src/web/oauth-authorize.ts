import type { Context } from 'koa';
import type { SandboxCore } from '../core.js';
import { errorPage, escapeHtml, htmlPage, webUrl } from './html.js';

const SCOPES = ['snsapi_base', 'snsapi_userinfo'];

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** `redirect_uri` with `code` and `state` added to its query, before any `#fragment` (as WeChat). */
export function withCode(redirectUri: string, code: string, state: string): string {
  const hashAt = redirectUri.indexOf('#');
  const base = hashAt === -1 ? redirectUri : redirectUri.slice(0, hashAt);
  const fragment = hashAt === -1 ? '' : redirectUri.slice(hashAt);
  const join = base.includes('?') ? '&' : '?';
  return `${base}${join}code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}${fragment}`;
}

/**
 * `GET /connect/oauth2/authorize` — open.weixin.qq.com's web authorization [D-oauth]. Refusals are
 * WeChat's error page with HTTP 200: `appid`, `redirect_uri`, `scope` missing (10012, 10011,
 * 10010), a scope other than snsapi_base / snsapi_userinfo (10005), a redirect_uri that is not an
 * absolute http(s) URL (10003, WeChat's "domain not configured"); an unknown appid or a
 * response_type other than `code` get the sandbox's own message. With the sandbox's `user=NAME`
 * it redirects at once with a code for that test user (single use, 5 minutes, the same openid as
 * `POST /__sandbox/oauth-code`); without it, it asks which test user to continue as.
 */
export function oauthAuthorize(core: SandboxCore, ctx: Context): void {
  const q = {
    appid: first(ctx.query.appid) ?? '',
    redirect_uri: first(ctx.query.redirect_uri) ?? '',
    response_type: first(ctx.query.response_type) ?? '',
    scope: first(ctx.query.scope) ?? '',
    state: first(ctx.query.state) ?? '',
    user: first(ctx.query.user),
  };
  const refuse = (message: string, errcode?: number) => {
    core.logger({ level: 'info', msg: 'oauth authorize refused', appid: q.appid, reason: message });
    ctx.status = 200;
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = errorPage(message, errcode);
  };
  if (!q.appid) return refuse('appid不能为空', 10012);
  if (!q.redirect_uri) return refuse('redirect_uri不能为空', 10011);
  if (!q.scope) return refuse('scope不能为空', 10010);
  if (!core.identities.app(q.appid))
    return refuse(`appid ${q.appid} 不是沙箱的应用 (unknown appid)`);
  if (q.response_type !== 'code') return refuse('response_type参数错误，应为code');
  if (!SCOPES.includes(q.scope)) return refuse('此公众号并没有这些scope的权限', 10005);
  if (!webUrl(q.redirect_uri)) return refuse('redirect_uri域名与后台配置不一致', 10003);
  if (q.state.length > 128) return refuse('state参数过长，最多128字节');

  if (q.user === undefined) {
    ctx.status = 200;
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = consentPage(q);
    return;
  }
  if (q.user.length === 0 || q.user.length > 64) {
    return refuse('user must be a test user name of 1–64 characters');
  }
  const { code } = core.identities.issueOAuthCode(q.appid, q.user, q.scope);
  core.logger({ level: 'info', msg: 'oauth authorized', appid: q.appid, scope: q.scope });
  ctx.redirect(withCode(q.redirect_uri, code, q.state));
}

/** The sandbox's stand-in for WeChat's consent: pick a test user, Allow, and be redirected. */
function consentPage(q: Record<'appid' | 'redirect_uri' | 'scope' | 'state', string>): string {
  const hidden = (['appid', 'redirect_uri', 'scope', 'state'] as const)
    .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(q[name])}">`)
    .join('');
  return htmlPage(
    '微信授权 (sandbox)',
    `<h1>Sign in with WeChat (sandbox)</h1>
<p class="muted">App <code>${escapeHtml(q.appid)}</code> asks for <code>${escapeHtml(q.scope)}</code>.</p>
<form id="fen-sandbox-authorize" method="get" action="/connect/oauth2/authorize">
${hidden}<input type="hidden" name="response_type" value="code">
<label>Continue as test user <input name="user" value="alice" maxlength="64" required></label>
<button type="submit" class="allow">Allow</button>
</form>`,
  );
}
