import type { Browser, BrowserContextOptions, Page } from 'playwright-core';

/** Reports each violation to the console, where the watcher below reads it. */
const REPORT_VIOLATIONS = `document.addEventListener('securitypolicyviolation', (e) =>
  console.error('securitypolicyviolation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')));`;

/**
 * Pages that record every Content-Security-Policy violation: Chromium's own console line
 * ("Refused to …") and the page's `securitypolicyviolation` events. A page that only works with
 * something the policy blocks fails its test on `violations`, not silently in production.
 */
export function cspWatch() {
  const violations: string[] = [];
  return {
    violations,
    async newPage(browser: Browser, options?: BrowserContextOptions): Promise<Page> {
      const page = await browser.newPage(options);
      page.on('console', (message) => {
        const text = message.text();
        if (/Refused to|Content Security Policy|securitypolicyviolation/i.test(text)) {
          violations.push(`${page.url()}: ${text}`);
        }
      });
      await page.addInitScript({ content: REPORT_VIOLATIONS });
      return page;
    },
  };
}
