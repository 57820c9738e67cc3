import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../server/helpers/stack.js';
import type { Sandbox, ServerUnderTest } from '../server/helpers/stack.js';
import { startChannelsServer } from './helpers/channels-stack.js';

// Issue 15 §3: every HTML page the server serves carries a Content-Security-Policy with a fresh
// nonce, refuses framing and sniffing, and cuts the referrer; the browser test
// (checkout-browser.test.ts) shows the pages work under it.
let sandbox: Sandbox;
let server: ServerUnderTest;

beforeAll(async () => {
  sandbox = await startSandbox(0.001);
  server = await startChannelsServer(sandbox);
}, 30_000);

afterAll(async () => {
  await server?.close();
  await sandbox?.close();
});

async function page(path: string) {
  const res = await fetch(`${server.url}${path}`, {
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, headers: res.headers, html: await res.text() };
}

/** The policy's directives by name. */
function directives(policy: string | null): Map<string, string> {
  return new Map(
    (policy ?? '')
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const [name = '', ...values] = part.split(/\s+/);
        return [name, values.join(' ')];
      }),
  );
}

describe('security headers on HTML pages', () => {
  it('when the checkout page is served, then a nonce CSP covers exactly its own scripts and styles', async () => {
    const first = await page('/checkout');
    expect(first.status).toBe(200);
    const csp = directives(first.headers.get('content-security-policy'));
    const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp.get('script-src') ?? '')?.[1];
    expect(nonce, 'a script nonce').toBeDefined();
    expect(csp.get('script-src')).toBe(`'nonce-${nonce}'`);
    expect(csp.get('style-src')).toBe(`'nonce-${nonce}'`);
    expect(csp.get('default-src')).toBe("'none'");
    expect(csp.get('frame-ancestors')).toBe("'none'");
    expect(csp.get('base-uri')).toBe("'none'");
    // Sandbox mode: the page loads the sandbox's bridge, which talks to the sandbox.
    expect(csp.get('connect-src')).toBe(`'self' ${new URL(sandbox.url).origin}`);
    const tags = [...first.html.matchAll(/<(script|style)\b([^>]*)>/g)];
    expect(tags.length).toBeGreaterThanOrEqual(3);
    for (const [tag, , attributes] of tags) expect(attributes, tag).toContain(`nonce="${nonce}"`);
    expect(first.html).not.toMatch(/\son[a-z]+=|style="/i);

    const second = await page('/checkout');
    const again = /'nonce-([^']+)'/.exec(second.headers.get('content-security-policy') ?? '')?.[1];
    expect(again).not.toBe(nonce);
  });

  it('when any page or answer is served, then nosniff, no framing and a cut referrer', async () => {
    const failedLogin = await page('/oa/callback?code=x&state=y');
    expect(failedLogin.status).toBe(400);
    expect(failedLogin.html).toContain('Login failed');
    expect(failedLogin.headers.get('content-security-policy')).toMatch(/style-src 'nonce-/);
    for (const res of [await page('/checkout?c=native'), failedLogin, await page('/healthz')]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(directives(res.headers.get('content-security-policy')).get('frame-ancestors')).toBe(
        "'none'",
      );
    }
  });
});
