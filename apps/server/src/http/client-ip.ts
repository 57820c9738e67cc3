import type { AppContext } from './context.js';

/**
 * The payer's IP for spbill_create_ip. `ctx.ip` honours X-Forwarded-For only when the app is
 * configured to trust its proxy (TRUST_PROXY), so a client cannot choose its own IP otherwise.
 */
export function clientIp(ctx: AppContext): string {
  const ip = ctx.ip.replace(/^::ffff:/, '');
  return ip === '' || ip === '::1' ? '127.0.0.1' : ip;
}
