import { randomBytes } from 'node:crypto';
import type Koa from 'koa';
import type { AppContext, AppState } from './context.js';

/**
 * Headers on every answer: no MIME sniffing, no framing (clickjacking a pay button), the
 * referrer cut to the origin off-site (WeChat's H5 pay checks the Referer's domain, so it must
 * not be dropped altogether), and a policy that lets a JSON answer opened as a page run nothing.
 * HTML pages replace that policy with their own ({@link sendHtmlPage}).
 */
export function securityHeaders(): Koa.Middleware<AppState> {
  return async (ctx, next) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'strict-origin-when-cross-origin');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
    await next();
  };
}

/** Where a page may load scripts from and connect to, besides itself. */
export interface PageSources {
  /** Origins (or URLs) of external scripts, also allowed as fetch targets (the sandbox's bridge). */
  scripts?: string[];
}

/**
 * Serves an HTML page under a Content-Security-Policy with a fresh nonce: only the page's own
 * `<script>` / `<style>` elements carrying it run, so markup injected into the page cannot.
 * `render` gets the nonce to put on them.
 */
export function sendHtmlPage(
  ctx: AppContext,
  render: (nonce: string) => string,
  sources: PageSources = {},
): void {
  const nonce = randomBytes(16).toString('base64');
  const origins = (sources.scripts ?? []).map((url) => new URL(url).origin);
  const policy = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    ['connect-src', "'self'", ...origins].join(' '),
    "img-src 'self' data:",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  ctx.set('Content-Security-Policy', policy);
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = render(nonce);
}
