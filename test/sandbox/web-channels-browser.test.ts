import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildJsapiPayParams, createPayClient, parsePaymentNotification } from '@fen/wxpay';
import { DEMO_MERCHANT, DEMO_OA_APP, createSandbox, openIdFor } from '@fen/wx-sandbox';
import type { Sandbox } from '@fen/wx-sandbox';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsRun, launchChromium, screenshotPath } from '../support/chromium.js';

// An official-account web page in a real browser, against the sandbox: OAuth authorize gives the
// merchant an openid, the merchant orders and signs getBrandWCPayRequest with @fen/wxpay, the page
// (on its own origin) includes the sandbox's jsbridge.js, the payer presses Pay in the in-page
// cashier, and the page's callback sees get_brand_wcpay_request:ok — while WeChat's side marks the
// order paid and notifies the merchant.
let sandbox: Sandbox;
let browser: Browser;
let pay: ReturnType<typeof createPayClient>;
let merchantUrl = '';
const notifications: string[] = [];
/** What the merchant's callback page gave each browser: out_trade_no by the `tamper` flag. */
const placed: { outTradeNo: string; tamper: boolean }[] = [];

const html = (res: ServerResponse, body: string) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(body);
};

/** The merchant's page after OAuth: code → openid → unifiedorder → signed pay params → page. */
async function oauthBack(url: URL, res: ServerResponse): Promise<void> {
  const code = url.searchParams.get('code') ?? '';
  const token = (await (
    await fetch(
      `${sandbox.url}/sns/oauth2/access_token?appid=${DEMO_OA_APP.appId}&secret=${DEMO_OA_APP.secret}&code=${code}&grant_type=authorization_code`,
    )
  ).json()) as { openid?: string; errmsg?: string };
  if (!token.openid) return html(res, `<p id="error">${token.errmsg}</p>`);
  const tamper = url.searchParams.get('state') === 'tamper';
  const outTradeNo = `WEB${Date.now()}${placed.length}`;
  const order = await pay.unifiedOrder({
    body: 'Fen 帆布包',
    out_trade_no: outTradeNo,
    total_fee: '1990',
    spbill_create_ip: '127.0.0.1',
    notify_url: `${merchantUrl}/wxpay/notify`,
    trade_type: 'JSAPI',
    openid: token.openid,
  });
  placed.push({ outTradeNo, tamper });
  const params = buildJsapiPayParams({
    appId: DEMO_OA_APP.appId,
    prepayId: String(order.prepay_id),
    key: DEMO_MERCHANT.key,
  });
  // A tampered page claims another nonce after signing: WeChat's client must refuse it.
  if (tamper) params.nonceStr = `${params.nonceStr.slice(0, 31)}X`;
  html(
    res,
    `<!doctype html><html><head><meta charset="utf-8"><title>Fen shop</title>
<script src="${sandbox.url}/__sandbox/jsbridge.js"></script></head>
<body><h1>Fen shop</h1><p id="openid">${token.openid}</p>
<button id="buy" disabled>Buy for ¥19.90</button><p id="result"></p><p id="desc"></p>
<script>
  var params = ${JSON.stringify(params)};
  function onBridgeReady() {
    var buy = document.getElementById('buy');
    buy.disabled = false;
    buy.onclick = function () {
      WeixinJSBridge.invoke('getBrandWCPayRequest', params, function (res) {
        document.getElementById('desc').textContent = res.err_desc || '';
        document.getElementById('result').textContent = res.err_msg;
      });
    };
  }
  document.addEventListener('WeixinJSBridgeReady', onBridgeReady, false);
</script></body></html>`,
  );
}

const merchant = createServer((req: IncomingMessage, res: ServerResponse) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', merchantUrl);
    if (url.pathname === '/wxpay/notify') {
      notifications.push(body);
      res.end('<xml><return_code><![CDATA[SUCCESS]]></return_code></xml>');
    } else if (url.pathname === '/shop') {
      // The official account's menu link: off to WeChat's OAuth (snsapi_base) first.
      const authorize = new URL('/connect/oauth2/authorize', sandbox.url);
      authorize.search = new URLSearchParams({
        appid: DEMO_OA_APP.appId,
        redirect_uri: `${merchantUrl}/back`,
        response_type: 'code',
        scope: 'snsapi_base',
        state: url.searchParams.get('tamper') ? 'tamper' : 'shop',
      }).toString();
      res.writeHead(302, { location: `${authorize.href}#wechat_redirect` });
      res.end();
    } else if (url.pathname === '/back') {
      oauthBack(url, res).catch((err: Error) => {
        res.writeHead(500);
        res.end(String(err.message));
      });
    } else {
      res.writeHead(404);
      res.end();
    }
  });
});

beforeAll(async () => {
  sandbox = await createSandbox({ timeScale: 0.001 });
  await new Promise<void>((resolve) => merchant.listen(0, '127.0.0.1', resolve));
  merchantUrl = `http://127.0.0.1:${(merchant.address() as AddressInfo).port}`;
  pay = createPayClient({
    appId: DEMO_OA_APP.appId,
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

const stateOf = (outTradeNo: string) =>
  sandbox.orders().find((o) => o.out_trade_no === outTradeNo)?.trade_state;

describe.runIf(browserTestsRun)('official-account JSAPI pay in Chromium', () => {
  it('when the payer authorizes, then presses Pay in the jsbridge cashier, then the page gets :ok and the order is paid', async () => {
    const page = await browser.newPage({ viewport: { width: 480, height: 800 } });
    await page.goto(`${merchantUrl}/shop`);
    // The sandbox's consent page: continue as a named test user.
    await page.locator('#fen-sandbox-authorize input[name=user]').fill('web-buyer');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${merchantUrl}/back?**`);
    expect(await page.locator('#openid').textContent()).toBe(
      openIdFor(DEMO_OA_APP.appId, 'web-buyer'),
    );
    const { outTradeNo } = placed.at(-1)!;
    expect(stateOf(outTradeNo)).toBe('NOTPAY');

    await page.locator('#buy:enabled').click();
    const cashier = page.locator('#fen-sandbox-cashier');
    await cashier.waitFor();
    expect(await cashier.locator('.pay').textContent()).toBe('Pay ¥19.90');
    await page.screenshot({ path: screenshotPath('sandbox-jsbridge-cashier.png') });
    await cashier.locator('.pay').click();

    await page.locator('#result', { hasText: 'get_brand_wcpay_request:ok' }).waitFor();
    expect(await cashier.count()).toBe(0);
    expect(stateOf(outTradeNo)).toBe('SUCCESS');
    await expect.poll(() => notifications.length, { timeout: 5000 }).toBeGreaterThan(0);
    const notification = parsePaymentNotification(notifications.at(-1)!, {
      appId: DEMO_OA_APP.appId,
      mchId: DEMO_MERCHANT.mchId,
      key: DEMO_MERCHANT.key,
    });
    expect(notification).toMatchObject({
      out_trade_no: outTradeNo,
      total_fee: '1990',
      openid: openIdFor(DEMO_OA_APP.appId, 'web-buyer'),
    });
    await page.close();
  }, 30_000);

  it('when the payer cancels, then the page gets :cancel; when the params were altered after signing, then :fail and no cashier', async () => {
    const page = await browser.newPage();
    await page.goto(`${merchantUrl}/shop`);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${merchantUrl}/back?**`);
    const first = placed.at(-1)!;
    await page.locator('#buy:enabled').click();
    await page.locator('#fen-sandbox-cashier .cancel').click();
    await page.locator('#result', { hasText: 'get_brand_wcpay_request:cancel' }).waitFor();
    expect(stateOf(first.outTradeNo)).toBe('NOTPAY');

    await page.goto(`${merchantUrl}/shop?tamper=1`);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${merchantUrl}/back?**`);
    const tampered = placed.at(-1)!;
    expect(tampered.tamper).toBe(true);
    await page.locator('#buy:enabled').click();
    await page.locator('#result', { hasText: 'get_brand_wcpay_request:fail' }).waitFor();
    expect(await page.locator('#desc').textContent()).toBe('支付验证签名失败');
    expect(await page.locator('#fen-sandbox-cashier').count()).toBe(0);
    expect(stateOf(tampered.outTradeNo)).toBe('NOTPAY');
    await page.close();
  }, 30_000);

  it('when a person scans a NATIVE order on the sandbox page as a named test user, then it is paid by that user', async () => {
    const outTradeNo = `SCAN${Date.now()}`;
    const order = await pay.unifiedOrder({
      body: 'Fen 帆布包',
      out_trade_no: outTradeNo,
      total_fee: '1990',
      spbill_create_ip: '127.0.0.1',
      notify_url: `${merchantUrl}/wxpay/notify`,
      trade_type: 'NATIVE',
      product_id: 'BAG',
    });
    expect(String(order.code_url)).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/);
    const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
    await page.goto(sandbox.url);
    await page.locator('#login [name=user]').fill('erin');
    const row = page.locator('#orders tr', { hasText: outTradeNo });
    await row.getByRole('button', { name: 'Scan QR as test user' }).click();
    await page
      .locator('#message', { hasText: `${outTradeNo} scanned by erin → SUCCESS` })
      .waitFor();
    const paid = sandbox.orders().find((o) => o.out_trade_no === outTradeNo);
    expect(paid).toMatchObject({
      trade_state: 'SUCCESS',
      openid: openIdFor(DEMO_OA_APP.appId, 'erin'),
    });
    await page.close();
  }, 30_000);
});
