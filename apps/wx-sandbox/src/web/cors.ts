import type { Middleware } from 'koa';

/**
 * CORS for the control API only: the sandbox's jsbridge.js runs inside a merchant's page on
 * another origin (the server's port) and calls `/__sandbox/*` from there. Any origin may, as the
 * sandbox holds no one's secrets over this API; WeChat's own paths stay as WeChat has them.
 */
export function sandboxCors(): Middleware {
  return async (ctx, next) => {
    if (!ctx.path.startsWith('/__sandbox/')) return next();
    ctx.set('Access-Control-Allow-Origin', '*');
    if (ctx.method === 'OPTIONS' && ctx.get('Access-Control-Request-Method')) {
      // The preflight of a JSON POST (content-type application/json is not a "simple" request).
      ctx.set('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE, OPTIONS');
      ctx.set(
        'Access-Control-Allow-Headers',
        ctx.get('Access-Control-Request-Headers') || 'content-type',
      );
      ctx.set('Access-Control-Max-Age', '600');
      ctx.status = 204;
      return;
    }
    await next();
  };
}
