import { isIP } from 'node:net';

/**
 * Names that never resolve on the public internet (RFC 6761, RFC 6762, RFC 8375 and the
 * private-use `.internal` / `.lan`): WeChat cannot reach a notify URL there, and a browser on
 * another network cannot reach a PUBLIC_URL there.
 */
export const SPECIAL_USE_SUFFIXES = [
  'localhost',
  'local',
  'internal',
  'lan',
  'home.arpa',
  'test',
  'example',
  'invalid',
] as const;

/**
 * Why `value` is not an `https://` URL with a public host name, or undefined when it is. The
 * reason names the host but never the whole URL (it could carry credentials).
 */
export function publicHttpsProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:') return `must be https:// (is ${url.protocol}//)`;
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0) {
    return `must name a public host, not an IP address (${host})`;
  }
  const suffix = SPECIAL_USE_SUFFIXES.find((s) => host === s || host.endsWith(`.${s}`));
  if (suffix) return `must name a public host (${host}: .${suffix} is never public)`;
  if (!host.includes('.')) return `must name a public host (${host} is a single-label name)`;
  return undefined;
}
