import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { fail, messageOf, ok, warn } from './check.js';
import type { CheckResult } from './check.js';
import { probe } from './http-probe.js';

export interface NotifyUrlCheckOptions {
  timeoutMs: number;
  production: boolean;
  /** Trusted beside Node's roots (tests' own CA); a real check trusts what WeChat trusts. */
  ca?: string;
}

/**
 * A notify URL as WeChat will call it: its host resolves, and something answers over HTTPS
 * with a certificate a public client accepts. Any HTTP status will do (a GET of a POST route
 * is refused, which proves the route is reachable); a TLS failure or a timeout will not.
 */
export async function checkNotifyUrl(
  setting: string,
  url: string,
  options: NotifyUrlCheckOptions,
): Promise<CheckResult> {
  const name = `${setting}`;
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (!isIP(host)) {
    try {
      await withTimeout(
        lookup(host),
        options.timeoutMs,
        `no DNS answer within ${options.timeoutMs} ms`,
      );
    } catch (err) {
      return fail(
        name,
        `${host} does not resolve (${messageOf(err)}): add its DNS record, or correct ${setting}`,
      );
    }
  }
  let status: number;
  try {
    status = (
      await probe(url, { timeoutMs: options.timeoutMs, ...(options.ca ? { ca: options.ca } : {}) })
    ).status;
  } catch (err) {
    const tls = /certificate|self.signed|SSL|TLS|altname|alert/i.test(
      messageOf(err) + String((err as { code?: unknown }).code),
    );
    const fix = tls
      ? 'the server must present a certificate for this host name from a public CA (WeChat refuses others)'
      : `something must listen there and pass it to the server's route`;
    return fail(
      name,
      `${url} does not answer${target.protocol === 'https:' ? ' over HTTPS' : ''} (${messageOf(err)}): ${fix}`,
    );
  }
  if (target.protocol !== 'https:') {
    const said = `${url} answers (HTTP ${status}) but is not HTTPS: WeChat only calls HTTPS notify URLs`;
    return options.production
      ? fail(name, `${said}; use https://`)
      : warn(name, `${said} (fine against the sandbox)`);
  }
  return ok(name, `${url} resolves and answers over HTTPS (HTTP ${status})`);
}

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
