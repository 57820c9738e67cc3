import { createHash } from 'node:crypto';
import { createWeChatApi, fromXml } from '@fen/wxpay';
import { DEMO_MERCHANT, DEMO_MOBILE_APP, DEMO_OA_APP, openIdFor } from '@fen/wx-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { control } from '../server/helpers/sandbox-control.js';
import {
  DEMO,
  call,
  eventually,
  isV3,
  startFenServer,
  startSandbox,
} from '../server/helpers/stack.js';
import { appParamsSigned, payParamsSigned } from '../server/helpers/pay-version.js';
import type { Sandbox, ServerUnderTest } from '../server/helpers/stack.js';
import { officialAccountLogin, redirectOf, startChannelsServer } from './helpers/channels-stack.js';

// Every channel against the sandbox over real HTTP: the server's payment data is what each
// client would use, WeChat (the sandbox) is paid through it, and the order ends PAID once.
let sandbox: Sandbox;
let server: ServerUnderTest;
let miniToken: string;
const TEA = [{ productId: 'jasmine-tea', quantity: 2 }];

beforeAll(async () => {
  sandbox = await startSandbox(0.001);
  server = await startChannelsServer(sandbox);
  const { code } = await control(sandbox).loginCode('channel-buyer');
  miniToken = (await call(`${server.url}/api/session`, { body: { code } })).body.token;
}, 30_000);

afterAll(async () => {
  await server?.close();
  await sandbox?.close();
});

const order = (token: string, channel: string) =>
  call(`${server.url}/api/orders`, { token, body: { items: TEA, channel } });
const sandboxOrder = (outTradeNo: string) =>
  sandbox.orders().find((o) => o.out_trade_no === outTradeNo);
const scan = (codeUrl: string) =>
  call(`${sandbox.url}/__sandbox/scan`, { body: { code_url: codeUrl, user: 'scanner' } });
const paid = (token: string, id: string) =>
  eventually(
    async () => {
      const res = await call(`${server.url}/api/orders/${id}?sync=1`, { token });
      return res.body.order?.status === 'PAID' ? res.body.order : undefined;
    },
    10_000,
    `order ${id} PAID`,
  );

describe('APP pay', () => {
  it("when an APP order is created, then the SDK's PayReq fields are signed for the mobile app and paying works", async () => {
    const res = await order(miniToken, 'app');
    expect(res.status).toBe(201);
    const { appParams } = res.body.payment;
    expect(res.body.payment.channel).toBe('app');
    expect(Object.keys(appParams).sort()).toEqual(
      ['appid', 'noncestr', 'package', 'partnerid', 'prepayid', 'sign', 'timestamp'].sort(),
    );
    expect(appParams).toMatchObject({
      appid: DEMO_MOBILE_APP.appId,
      partnerid: DEMO_MERCHANT.mchId,
      package: 'Sign=WXPay',
    });
    expect(appParamsSigned(appParams)).toBe(true);
    expect(sandboxOrder(res.body.order.outTradeNo)).toMatchObject({ trade_type: 'APP' });

    await control(sandbox).pay(appParams.prepayid);
    expect((await paid(miniToken, res.body.order.id)).channel).toBe('app');
  });
});

describe('Native pay', () => {
  it('when a Native order is created, then its code_url comes with an SVG QR code, and a scan pays it', async () => {
    const res = await order(miniToken, 'native');
    const { payment } = res.body;
    expect(payment.codeUrl).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/);
    expect(payment.qrSvg).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    // APIv3's Native prepay has no product_id (APIv2's is what names the QR's product).
    expect(sandboxOrder(res.body.order.outTradeNo)).toMatchObject({
      trade_type: 'NATIVE',
      ...(isV3 ? {} : { product_id: 'jasmine-tea' }),
    });
    expect((await scan(payment.codeUrl)).status).toBe(200);
    await paid(miniToken, res.body.order.id);
  });
});

describe('refunds on other channels', () => {
  it("when a Native order placed with the official account's appid is refunded, then WeChat finds it and it ends REFUNDED", async () => {
    const res = await order(miniToken, 'native');
    expect((await scan(res.body.payment.codeUrl)).status).toBe(200);
    await paid(miniToken, res.body.order.id);
    const refund = await call(`${server.url}/admin/orders/${res.body.order.id}/refunds`, {
      token: DEMO.adminToken,
      body: { amountFen: 1980 },
      headers: { 'idempotency-key': `channels-refund-${res.body.order.id}` },
    });
    expect(refund.status).toBe(201);
    await eventually(
      async () => {
        const now = await call(`${server.url}/api/orders/${res.body.order.id}`, {
          token: miniToken,
        });
        return now.body.order.status === 'REFUNDED' ? true : undefined;
      },
      10_000,
      'REFUNDED',
    );
  });
});

describe('H5 pay', () => {
  it('when an H5 order is created, then mweb_url opens the cashier and scene_info names the site', async () => {
    const res = await order(miniToken, 'h5');
    const { mwebUrl } = res.body.payment;
    expect(mwebUrl.startsWith(sandbox.url)).toBe(true);
    const placed = sandboxOrder(res.body.order.outTradeNo);
    expect(placed?.trade_type).toBe('MWEB');
    // APIv2 keeps scene_info as sent. APIv3's sandbox refuses an H5 prepay without
    // scene_info.h5_info and payer_client_ip, so its acceptance is the check here; the exact
    // body is apps/server/test/v3-mapping.test.ts's.
    if (!isV3) {
      expect(JSON.parse(placed!.scene_info!)).toEqual({
        h5_info: { type: 'Wap', wap_url: server.url, wap_name: 'Fen shop' },
      });
    }
    const cashier = await fetch(mwebUrl);
    expect(cashier.status).toBe(200);
    expect(await cashier.text()).toContain('19.80');
  });
});

describe('switching channel', () => {
  it('when an unpaid Native order is paid by H5 instead, then the QR attempt is closed and a new out_trade_no is used', async () => {
    const created = (await order(miniToken, 'native')).body;
    const first = created.order.outTradeNo;
    const switched = await call(`${server.url}/api/orders/${created.order.id}/pay`, {
      token: miniToken,
      body: { channel: 'h5' },
    });
    expect(switched.status).toBe(200);
    expect(switched.body.payment.channel).toBe('h5');
    const second = switched.body.order.outTradeNo;
    expect(second).not.toBe(first);
    expect(switched.body.order.id).toBe(created.order.id);
    expect(sandboxOrder(first)?.trade_state).toBe('CLOSED');
    expect(sandboxOrder(second)).toMatchObject({ trade_type: 'MWEB', trade_state: 'NOTPAY' });

    // The old QR code can no longer be paid; the new attempt can, and pays this one order.
    expect((await scan(created.payment.codeUrl)).status).not.toBe(200);
    const prepayId = new URL(switched.body.payment.mwebUrl).searchParams.get('prepay_id')!;
    await control(sandbox).pay(prepayId);
    const done = await paid(miniToken, created.order.id);
    expect(done.outTradeNo).toBe(second);
    const again = await call(`${server.url}/api/orders/${created.order.id}/pay`, {
      token: miniToken,
      body: { channel: 'native' },
    });
    expect(again.status).toBe(409);
  });

  it('when the open attempt was paid before the switch (notification lost), then the order is PAID, not switched', async () => {
    const created = (await order(miniToken, 'native')).body;
    await control(sandbox).setFaults({ dropNotifications: true });
    try {
      expect((await scan(created.payment.codeUrl)).status).toBe(200);
      const switched = await call(`${server.url}/api/orders/${created.order.id}/pay`, {
        token: miniToken,
        body: { channel: 'h5' },
      });
      expect(switched.status).toBe(409);
      expect(switched.body.error.code).toBe('ORDER_NOT_PAYABLE');
    } finally {
      await control(sandbox).clearFaults();
    }
    const now = (await call(`${server.url}/api/orders/${created.order.id}`, { token: miniToken }))
      .body.order;
    expect(now).toMatchObject({ status: 'PAID', outTradeNo: created.order.outTradeNo });
  });

  it('when a mini-program user asks for JSAPI pay in a web page, then it is refused: that needs an official-account openid', async () => {
    const res = await order(miniToken, 'jsapi');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('CHANNEL_UNAVAILABLE');
  });
});

describe('official account: OAuth, JSAPI pay and the JS-SDK', () => {
  it('when a user logs in through OAuth, then the session pays JSAPI orders with the official account openid', async () => {
    const { token } = await officialAccountLogin(server, sandbox, 'oa-buyer');
    const res = await order(token, 'jsapi');
    expect(res.status).toBe(201);
    const { payParams } = res.body.payment;
    expect(payParams.appId).toBe(DEMO_OA_APP.appId);
    // getBrandWCPayRequest's paySign covers exactly these five fields.
    const { appId, timeStamp, nonceStr, package: pkg, signType } = payParams;
    expect(
      payParamsSigned(
        { timeStamp, nonceStr, package: pkg, signType, paySign: payParams.paySign },
        appId,
      ),
    ).toBe(true);
    const placed = sandboxOrder(res.body.order.outTradeNo);
    expect(placed).toMatchObject({
      trade_type: 'JSAPI',
      openid: openIdFor(DEMO_OA_APP.appId, 'oa-buyer'),
    });
    await control(sandbox).pay(payParams.package.replace('prepay_id=', ''));
    await paid(token, res.body.order.id);
    // PAID may come through the order's own query first: wait for the delivery itself.
    const delivered = await eventually(
      async () =>
        (await control(sandbox).notifications(res.body.order.outTradeNo))[0]?.attempts.find(
          (a) => a.result === 'SUCCESS',
        ),
      10_000,
      'the payment notification acknowledged',
    );
    if (isV3) expect(delivered.http_status).toBe(204);
    else expect(fromXml(delivered.reply!).return_code).toBe('SUCCESS');
  });

  it('when the callback URL is opened again, then its single-use code is refused with a page, not a session', async () => {
    const { callbackUrl, cookie } = await officialAccountLogin(server, sandbox, 'oa-refresh');
    // Even with the nonce cookie kept (a browser clears it at the first callback).
    const again = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie } });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('Login failed');
  });

  it('when a callback URL made for one browser is opened by another client, then it is refused and nothing is created', async () => {
    // Browser A starts the login and comes back from WeChat's authorize page with a code.
    const started = await redirectOf(`${server.url}/oa/login?redirect=%2Fcheckout%3Fc%3Djsapi`);
    expect(started.cookies).toMatch(/^fen_oa_nonce=[\w-]+$/);
    const authorize = new URL(started.location.replace(/#wechat_redirect$/, ''));
    authorize.searchParams.set('user', 'oa-victim');
    const callbackUrl = (await redirectOf(authorize.href)).location;
    const users = () => server.running.runtime.db.models.User.countDocuments();
    const before = await users();
    // Another client: without a cookie, or with the nonce of its own login.
    const other = await redirectOf(`${server.url}/oa/login`);
    for (const cookie of [undefined, other.cookies, 'fen_oa_nonce=AAAAAAAAAAAAAAAAAAAAAAAA']) {
      const res = await fetch(callbackUrl, {
        redirect: 'manual',
        ...(cookie ? { headers: { cookie } } : {}),
      });
      expect(res.status, String(cookie)).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).toContain('Login failed');
    }
    expect(await users()).toBe(before);
    // The code was never exchanged: browser A, with its cookie, still logs in with it.
    const landing = await redirectOf(callbackUrl, started.cookies);
    expect(landing.location).toMatch(/^\/checkout\?c=jsapi#token=/);
    expect(await users()).toBe(before + 1);
  });

  it('when /oa/login starts a login, then its nonce cookie is HttpOnly, SameSite=Lax and only for /oa/', async () => {
    const res = await fetch(`${server.url}/oa/login`, { redirect: 'manual' });
    const [cookie] = res.headers.getSetCookie();
    expect(cookie).toMatch(
      /^fen_oa_nonce=[\w-]{16,}; Max-Age=600; Path=\/oa\/; HttpOnly; SameSite=Lax$/,
    );
    // Served over HTTPS (PUBLIC_URL), the cookie is Secure.
    const https = await startFenServer(sandbox, {
      env: {
        WX_OA_APPID: DEMO_OA_APP.appId,
        WX_OA_APPSECRET: DEMO_OA_APP.secret,
        PUBLIC_URL: 'https://shop.fen-test.example',
      },
    });
    try {
      const secure = await fetch(`${https.url}/oa/login`, { redirect: 'manual' });
      expect(secure.headers.getSetCookie()[0]).toMatch(/; SameSite=Lax; Secure$/);
    } finally {
      await https.close();
    }
  });

  it('when the state is forged or the redirect leaves the site, then nothing logs in', async () => {
    const forged = await fetch(`${server.url}/oa/callback?code=x&state=eyJyIjoiLyJ9.AAAA`, {
      redirect: 'manual',
    });
    expect(forged.status).toBe(400);
    for (const target of ['https://evil.example/', '//evil.example/x', `/${'x'.repeat(60)}`]) {
      const res = await call(`${server.url}/oa/login?redirect=${encodeURIComponent(target)}`);
      expect(res.status).toBe(400);
    }
    expect((await redirectOf(`${server.url}/oa/login`)).status).toBe(302);
  });

  it("when the page asks for wx.config data, then it is signed with the official account's jsapi_ticket", async () => {
    const url = `${server.url}/checkout?c=jsapi`;
    const res = await call(`${server.url}/api/oa/jssdk-config?url=${encodeURIComponent(url)}`);
    expect(res.status).toBe(200);
    expect(res.body.appId).toBe(DEMO_OA_APP.appId);
    const api = createWeChatApi({
      appId: DEMO_OA_APP.appId,
      secret: DEMO_OA_APP.secret,
      baseUrl: sandbox.url,
    });
    try {
      const ticket = await api.getJsapiTicket();
      const signed = `jsapi_ticket=${ticket}&noncestr=${res.body.nonceStr}&timestamp=${res.body.timestamp}&url=${url}`;
      expect(res.body.signature).toBe(createHash('sha1').update(signed).digest('hex'));
    } finally {
      await api.close();
    }
    const elsewhere = await call(
      `${server.url}/api/oa/jssdk-config?url=${encodeURIComponent('https://evil.example/')}`,
    );
    expect(elsewhere.status).toBe(400);
  });
});

describe('guest sessions', () => {
  it('when a guest session is opened, then it can pay by QR code but not in the mini-program', async () => {
    const guest = await call(`${server.url}/api/guest-session`, { method: 'POST' });
    expect(guest.status).toBe(201);
    expect((await order(guest.body.token, 'native')).status).toBe(201);
    expect((await order(guest.body.token, 'miniprogram')).body.error.code).toBe(
      'CHANNEL_UNAVAILABLE',
    );
  });

  it('when a guest asks for APP pay, then it is refused: a guest is a browser, with no app to pay in', async () => {
    const guest = await call(`${server.url}/api/guest-session`, { method: 'POST' });
    const refused = await order(guest.body.token, 'app');
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({
      code: 'CHANNEL_UNAVAILABLE',
      message: expect.stringContaining('needs a mini-program or official-account session'),
    });
    // Nor can a guest's order move to APP later.
    const placed = await order(guest.body.token, 'native');
    const switched = await call(`${server.url}/api/orders/${placed.body.order.id}/pay`, {
      method: 'POST',
      token: guest.body.token,
      body: { channel: 'app' },
    });
    expect(switched.body.error.code).toBe('CHANNEL_UNAVAILABLE');
  });
});
