import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsRun, launchChromium, screenshotPath } from '../support/chromium.js';
import { DEMO, call, startSandbox } from '../server/helpers/stack.js';
import type { Sandbox, ServerUnderTest } from '../server/helpers/stack.js';
import { startChannelsServer } from './helpers/channels-stack.js';
import { cspWatch } from './helpers/csp-watch.js';

// The web checkout in headless Chromium against the real server, database and sandbox: each
// web channel from the shop page to "Paid", the way a buyer goes through it.
let sandbox: Sandbox;
let server: ServerUnderTest;
let browser: Browser;
const MOBILE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148';

beforeAll(async () => {
  sandbox = await startSandbox(0.001);
  server = await startChannelsServer(sandbox);
  browser = await launchChromium();
}, 30_000);

// Every page runs under the server's Content-Security-Policy: a violation fails the test.
const csp = cspWatch();
afterEach(() => {
  const seen = csp.violations.splice(0);
  expect(seen, 'Content-Security-Policy violations').toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await sandbox?.close();
});

/** Two jasmine teas in the cart, then Pay. */
async function buyTwoTeas(page: Page): Promise<void> {
  const quantity = page.locator('li[data-product="jasmine-tea"] input');
  await quantity.fill('2');
  await page.locator('#total', { hasText: '¥19.80' }).waitFor();
  await page.locator('#pay').click();
}

async function expectPaid(page: Page): Promise<string> {
  const status = page.locator('#status.paid');
  await status.waitFor({ timeout: 15_000 });
  const text = (await status.textContent()) ?? '';
  expect(text).toMatch(/^Paid ¥19\.80 — order FEN/);
  return text.replace(/^.* order /, '');
}

async function serverOrder(outTradeNo: string) {
  const res = await call(`${server.url}/admin/orders?outTradeNo=${outTradeNo}`, {
    token: DEMO.adminToken,
  });
  return res.body.orders[0];
}

describe.runIf(browserTestsRun)('the web checkout in Chromium', () => {
  it('when a buyer in the official account logs in with OAuth and pays through WeixinJSBridge, then the page shows Paid', async () => {
    const page = await csp.newPage(browser);
    try {
      await page.goto(`${server.url}/checkout?c=jsapi`);
      // Not logged in: the page sends the browser to WeChat's (the sandbox's) authorize page.
      await page.locator('#fen-sandbox-authorize').waitFor();
      await page.locator('input[name=user]').fill('web-oa-buyer');
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL(`${server.url}/checkout?c=jsapi`);
      await buyTwoTeas(page);
      const cashier = page.locator('#fen-sandbox-cashier');
      await cashier.waitFor();
      await page.screenshot({ path: screenshotPath('checkout-jsapi-cashier.png') });
      await cashier.locator('.pay').click();
      const outTradeNo = await expectPaid(page);
      expect(await serverOrder(outTradeNo)).toMatchObject({ status: 'PAID', channel: 'jsapi' });
      await page.screenshot({ path: screenshotPath('checkout-jsapi-paid.png') });
    } finally {
      await page.close();
    }
  }, 40_000);

  it('when a desktop buyer pays by scanning the QR code, then the page turns to Paid by itself', async () => {
    const page = await csp.newPage(browser, { viewport: { width: 900, height: 800 } });
    try {
      await page.goto(`${server.url}/checkout?c=native`);
      await buyTwoTeas(page);
      const caption = page.locator('#payment p[data-code-url]');
      await caption.waitFor();
      expect(await page.locator('#payment svg').count()).toBe(1);
      await page.screenshot({ path: screenshotPath('checkout-native-qr.png') });
      // The buyer's phone scans the code: the sandbox plays it.
      const codeUrl = (await caption.getAttribute('data-code-url')) ?? '';
      const scanned = await call(`${sandbox.url}/__sandbox/scan`, {
        body: { code_url: codeUrl, user: 'web-desktop-buyer' },
      });
      expect(scanned.status).toBe(200);
      const outTradeNo = await expectPaid(page);
      expect(await serverOrder(outTradeNo)).toMatchObject({ status: 'PAID', channel: 'native' });
    } finally {
      await page.close();
    }
  }, 40_000);

  it("when a mobile browser pays through WeChat's H5 cashier, then it comes back and shows Paid", async () => {
    const page = await csp.newPage(browser, {
      userAgent: MOBILE_UA,
      viewport: { width: 390, height: 800 },
    });
    try {
      // No channel in the URL: a mobile browser outside WeChat gets H5 pay.
      await page.goto(`${server.url}/checkout`);
      await page.locator('nav a.current[data-channel="h5"]').waitFor();
      await buyTwoTeas(page);
      const cashier = page.locator('form#fen-sandbox-cashier');
      await cashier.waitFor();
      await cashier.locator('.pay').click();
      await page.waitForURL(/\/checkout\?c=h5&order=/);
      const outTradeNo = await expectPaid(page);
      expect(await serverOrder(outTradeNo)).toMatchObject({ status: 'PAID', channel: 'h5' });
      await page.screenshot({ path: screenshotPath('checkout-h5-paid.png') });
    } finally {
      await page.close();
    }
  }, 40_000);

  it('when the buyer cancels in the WeixinJSBridge cashier, then the order stays unpaid and can be paid again', async () => {
    const page = await csp.newPage(browser);
    try {
      await page.goto(`${server.url}/checkout?c=jsapi`);
      await page.locator('#fen-sandbox-authorize').waitFor();
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL(`${server.url}/checkout?c=jsapi`);
      await buyTwoTeas(page);
      await page.locator('#fen-sandbox-cashier .cancel').click();
      await page.locator('#status', { hasText: 'Payment cancelled' }).waitFor();
      expect(await page.locator('#pay').isEnabled()).toBe(true);
    } finally {
      await page.close();
    }
  }, 40_000);
});
