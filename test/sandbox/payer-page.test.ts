import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPayClient, parsePaymentNotification } from '@fen/wxpay';
import { DEMO_MERCHANT, createSandbox } from '@fen/wx-sandbox';
import type { Sandbox } from '@fen/wx-sandbox';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsRun, launchChromium, screenshotPath } from '../support/chromium.js';

// A person at the sandbox's page, in a real browser: they see the pending order, press Pay,
// and WeChat's side of the payment happens — the order is paid and the merchant notified.
let sandbox: Sandbox;
let browser: Browser;
let pay: ReturnType<typeof createPayClient>;
const received: string[] = [];
const merchant = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    received.push(body);
    res.end('<xml><return_code><![CDATA[SUCCESS]]></return_code></xml>');
  });
});

beforeAll(async () => {
  sandbox = await createSandbox({ timeScale: 0.001 });
  await new Promise<void>((resolve) => merchant.listen(0, '127.0.0.1', resolve));
  pay = createPayClient({
    appId: DEMO_MERCHANT.appId,
    mchId: DEMO_MERCHANT.mchId,
    key: DEMO_MERCHANT.key,
    baseUrl: sandbox.url,
  });
  browser = await launchChromium();
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await pay?.close();
  await sandbox?.close();
  merchant.closeAllConnections();
  await new Promise((resolve) => merchant.close(resolve));
});

describe.runIf(browserTestsRun)('the sandbox payer page in Chromium', () => {
  it('when a person presses Pay on a pending order, then it is paid and the merchant is notified', async () => {
    const outTradeNo = `PAGE${Date.now()}`;
    const notifyUrl = `http://127.0.0.1:${(merchant.address() as AddressInfo).port}/wxpay/notify`;
    await pay.unifiedOrder({
      body: 'Fen 帆布包',
      out_trade_no: outTradeNo,
      total_fee: '1990',
      spbill_create_ip: '127.0.0.1',
      notify_url: notifyUrl,
      trade_type: 'JSAPI',
      openid: sandbox.loginCode('page-buyer').openid,
    });

    const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
    await page.goto(sandbox.url);
    const row = page.locator('#orders tr', { hasText: outTradeNo });
    await row.locator('.state').waitFor();
    expect(await row.locator('.state').textContent()).toBe('NOTPAY');
    await row.getByRole('button', { name: 'Pay ¥19.90' }).click();

    await page.locator('#message', { hasText: `${outTradeNo} → SUCCESS` }).waitFor();
    await row.locator('.state', { hasText: 'SUCCESS' }).waitFor();
    expect(sandbox.orders().find((o) => o.out_trade_no === outTradeNo)?.trade_state).toBe(
      'SUCCESS',
    );

    await expect.poll(() => received.length, { timeout: 5000 }).toBeGreaterThan(0);
    const notification = parsePaymentNotification(received[0]!, {
      appId: DEMO_MERCHANT.appId,
      mchId: DEMO_MERCHANT.mchId,
      key: DEMO_MERCHANT.key,
    });
    expect(notification).toMatchObject({ out_trade_no: outTradeNo, total_fee: '1990' });

    // The page opens the order's delivery log once paid; the refresh shows the delivered attempt.
    await page.locator('.log', { hasText: 'SUCCESS' }).first().waitFor();
    await page.screenshot({ path: screenshotPath('sandbox-payer-page.png'), fullPage: true });
    await page.close();
  }, 30_000);
});
