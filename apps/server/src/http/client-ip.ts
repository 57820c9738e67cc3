import { isIPv6 } from 'node:net';
import type { AppContext } from './context.js';

/**
 * The payer's IP for spbill_create_ip and the rate limits. `ctx.ip` is the socket's address, or
 * behind TRUST_PROXY hops the address the outermost trusted proxy saw (Koa's `maxIpsCount`
 * keeps only the entries those proxies appended), so a client cannot choose its own.
 */
export function clientIp(ctx: AppContext): string {
  const ip = ctx.ip.replace(/^::ffff:/, '');
  return ip === '' || ip === '::1' ? '127.0.0.1' : ip;
}

/** The eight 16-bit groups of an IPv6 address (`::` expanded; an embedded IPv4 tail as two). */
function ipv6Groups(ip: string): string[] {
  const [head = '', tail] = ip.split('::');
  const parts = (text: string) =>
    text === ''
      ? []
      : text.split(':').flatMap((part) => {
          if (!part.includes('.')) return [part];
          const [a = 0, b = 0, c = 0, d = 0] = part.split('.').map(Number);
          return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
        });
  const left = parts(head);
  const right = tail === undefined ? [] : parts(tail);
  const fill = Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0');
  return [...left, ...fill, ...right];
}

/**
 * Whom a per-address limit counts: an IPv4 address as it is, an IPv6 address by its /64 — one
 * subscriber usually holds a whole /64, so counting single addresses would let it pick new ones.
 */
export function addressBucket(ip: string): string {
  const bare = ip.replace(/%.*$/, '');
  if (!isIPv6(bare)) return bare;
  const prefix = ipv6Groups(bare.toLowerCase())
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''));
  return `${prefix.join(':')}::/64`;
}
