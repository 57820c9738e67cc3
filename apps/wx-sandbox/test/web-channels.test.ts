import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OA_APP, createSandbox, openIdFor } from '../src/index.js';
import type { Sandbox } from '../src/index.js';
import { jsapiPaySign } from '../src/web/jsapi-check.js';
import { eventually, json, postPay, send, startReceiver } from './support/http.js';
import type { Receiver } from './support/http.js';
import { jsapiFields } from './support/orders.js';
import { jsapiBody, merchantKey, rsaSha256, v3Call } from './support/v3-wire.js';
import { DEMO, signed, testSign } from './support/wire.js';
import type { SignType } from './support/wire.js';
import { vector } from './support/vectors.js';

// The web channels over real HTTP: OAuth authorize, the JSAPI check behind jsbridge.js, Native
// "by scan" and the H5 cashier. Signatures the sandbox checks are made by the tests' own signer,
// pinned here to fixed known answers, so a signing bug cannot hide on both sides.

const OA = DEMO_OA_APP;

/**
 * Demo-key JSAPI paySign known answers for a fixed prepay_id: `openssl md5` and
 * `openssl dgst -sha256 -hmac <key>` of the string sign temp, confirmed with python hashlib/hmac.
 */
const KAT_PREPAY = 'wx20261201200000a1b2c3d4e5f6a7b8c9d0';
const KAT_JSAPI_MD5 = {
  appId: OA.appId,
  timeStamp: '1764590400',
  nonceStr: 'fenjsapikat0001',
  package: `prepay_id=${KAT_PREPAY}`,
  signType: 'MD5',
  paySign: '46CBC48A876B18CA6B42BCD298927613',
};
const KAT_JSAPI_HMAC = {
  ...KAT_JSAPI_MD5,
  nonceStr: 'fenjsapikat0002',
  signType: 'HMAC-SHA256',
  paySign: 'F869299734902E46354C61669F2C0EF245543ABD3D04EEE0D82EF584DDB83A31',
};

/** The tests' own paySign: the independent signer over the five fields. */
const testPaySign = (p: Record<string, string>, type: SignType, key = DEMO.key) =>
  testSign(
    {
      appId: p.appId!,
      timeStamp: p.timeStamp!,
      nonceStr: p.nonceStr!,
      package: p.package!,
      signType: p.signType!,
    },
    key,
    type,
  );

let sandbox: Sandbox;
let receiver: Receiver;

beforeAll(async () => {
  sandbox = await createSandbox({ timeScale: 0.001 });
  receiver = await startReceiver();
});
afterAll(async () => {
  await sandbox?.close();
  await receiver?.close();
});

/** A JSAPI order placed by the official account for `user`. */
async function oaJsapiOrder(type: SignType = 'MD5', user = 'alice') {
  const fields = {
    ...jsapiFields(sandbox, { openid: openIdFor(OA.appId, user) }),
    appid: OA.appId,
  };
  const { reply } = await postPay(`${sandbox.url}/pay/unifiedorder`, signed(fields, type));
  expect(reply.result_code).toBe('SUCCESS');
  return { fields, prepayId: reply.prepay_id! };
}

/** Signed getBrandWCPayRequest params for `prepayId`, made by the tests' signer. */
function payParams(prepayId: string, type: SignType = 'MD5', appId = OA.appId) {
  const unsigned = {
    appId,
    timeStamp: String(Math.floor(Date.now() / 1000)),
    nonceStr: Math.random().toString(36).slice(2, 18),
    package: `prepay_id=${prepayId}`,
    signType: type,
  };
  return { ...unsigned, paySign: testPaySign(unsigned, type) };
}

const authorizeUrl = (query: Record<string, string>) =>
  `${sandbox.url}/connect/oauth2/authorize?${new URLSearchParams(query).toString()}`;

describe('OAuth authorize', () => {
  const base = {
    appid: OA.appId,
    redirect_uri: 'https://merchant.example/oauth/back?from=menu',
    response_type: 'code',
    scope: 'snsapi_base',
    state: 'st4te',
  };

  it('when a test user is named, then it redirects at once with a single-use code for that user', async () => {
    const res = await send(authorizeUrl({ ...base, user: 'bob' }));
    expect(res.status).toBe(302);
    const location = new URL(res.headers.location as string);
    expect(`${location.origin}${location.pathname}`).toBe('https://merchant.example/oauth/back');
    expect(location.searchParams.get('from')).toBe('menu');
    expect(location.searchParams.get('state')).toBe('st4te');
    const code = location.searchParams.get('code')!;
    expect(code).toMatch(/^[0-9A-Za-z]{32}$/);

    const exchange = (c: string) =>
      json(
        `${sandbox.url}/sns/oauth2/access_token?appid=${OA.appId}&secret=${OA.secret}&code=${c}&grant_type=authorization_code`,
      );
    const token = await exchange(code);
    expect(token.body).toMatchObject({
      openid: openIdFor(OA.appId, 'bob'),
      scope: 'snsapi_base',
      expires_in: 7200,
    });
    // The same user and app give the same openid as the control API's OAuth codes.
    const viaControl = await json(`${sandbox.url}/__sandbox/oauth-code`, {
      appid: OA.appId,
      user: 'bob',
    });
    expect(viaControl.body.openid).toBe(token.body.openid);
    expect((await exchange(code)).body.errcode).toBe(40163);
  });

  it('when the code is older than 5 minutes, then the exchange says 40029 invalid code', async () => {
    const res = await send(authorizeUrl({ ...base, user: 'late' }));
    const code = new URL(res.headers.location as string).searchParams.get('code')!;
    sandbox.advanceClock(301);
    const token = await json(
      `${sandbox.url}/sns/oauth2/access_token?appid=${OA.appId}&secret=${OA.secret}&code=${code}&grant_type=authorization_code`,
    );
    expect(token.body.errcode).toBe(40029);
  });

  it('when redirect_uri has a #fragment, then code and state go before it, as WeChat puts them', async () => {
    const res = await send(
      authorizeUrl({ ...base, redirect_uri: 'http://127.0.0.1:8080/h5/#/pay', user: 'bob' }),
    );
    expect(res.headers.location).toMatch(
      /^http:\/\/127\.0\.0\.1:8080\/h5\/\?code=[0-9A-Za-z]{32}&state=st4te#\/pay$/,
    );
  });

  it('when no test user is named, then a page asks who to continue as, and its Allow form redirects', async () => {
    const res = await send(authorizeUrl({ ...base, scope: 'snsapi_userinfo' }));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('Continue as test user');
    expect(res.text).toMatch(/<input name="user" value="alice"/);
    expect(res.text).toContain('<button type="submit" class="allow">Allow</button>');
    // Submit the form as a browser would: its fields plus the user input.
    const form = new URLSearchParams();
    for (const m of res.text.matchAll(/<input type="hidden" name="([a-z_]+)" value="([^"]*)">/g)) {
      form.set(m[1]!, m[2]!.replace(/&amp;/g, '&'));
    }
    form.set('user', 'alice');
    expect(Object.fromEntries(form)).toMatchObject({ ...base, scope: 'snsapi_userinfo' });
    const allowed = await send(`${sandbox.url}/connect/oauth2/authorize?${form.toString()}`);
    expect(allowed.status).toBe(302);
    const code = new URL(allowed.headers.location as string).searchParams.get('code')!;
    const token = await json(
      `${sandbox.url}/sns/oauth2/access_token?appid=${OA.appId}&secret=${OA.secret}&code=${code}&grant_type=authorization_code`,
    );
    expect(token.body).toMatchObject({
      openid: openIdFor(OA.appId, 'alice'),
      scope: 'snsapi_userinfo',
    });
  });

  it('when a parameter is wrong, then WeChat-style error pages answer HTTP 200 and nothing redirects', async () => {
    const cases: [Record<string, string>, string, number | undefined][] = [
      [{ appid: '' }, 'appid不能为空', 10012],
      [{ redirect_uri: '' }, 'redirect_uri不能为空', 10011],
      [{ scope: '' }, 'scope不能为空', 10010],
      [{ scope: 'snsapi_login' }, '此公众号并没有这些scope的权限', 10005],
      [{ redirect_uri: 'javascript:alert(1)' }, 'redirect_uri域名与后台配置不一致', 10003],
      [{ redirect_uri: '/relative/path' }, 'redirect_uri域名与后台配置不一致', 10003],
      [{ appid: 'wx0000000000000099' }, 'unknown appid', undefined],
      [{ response_type: 'token' }, 'response_type参数错误', undefined],
    ];
    for (const [change, message, errcode] of cases) {
      const res = await send(authorizeUrl({ ...base, ...change, user: 'bob' }));
      expect(res.status, message).toBe(200);
      expect(res.headers.location, message).toBeUndefined();
      expect(res.text).toContain('Oops! Something went wrong:(');
      expect(res.text).toContain(message);
      if (errcode) expect(res.text).toContain(`<span class="errcode">${errcode}</span>`);
    }
  });
});

describe('the JSAPI paySign check behind jsbridge.js', () => {
  it('when given the published EasyWeChat and doc vectors, then jsapiPaySign yields their signs', () => {
    for (const id of [
      'v2-jsapi-paysign-md5-easywechat',
      'v2-jsapi-paysign-hmac-sha256-easywechat',
      'v2-miniprogram-paysign-md5-derived',
    ]) {
      const v = vector(id);
      const p = v.input.params as Record<string, string>;
      const type = v.input.sign_type as SignType;
      expect(
        jsapiPaySign(
          { appId: p.appId!, timeStamp: p.timeStamp!, nonceStr: p.nonceStr!, package: p.package! },
          type,
          v.input.key as string,
        ),
      ).toBe(v.expected.sign);
      expect(testPaySign(p, type, v.input.key as string)).toBe(v.expected.sign);
    }
  });

  it('when given the demo-key known answers, then both signers reproduce the openssl values', () => {
    for (const kat of [KAT_JSAPI_MD5, KAT_JSAPI_HMAC]) {
      const type = kat.signType as SignType;
      expect(testPaySign(kat, type)).toBe(kat.paySign);
      expect(jsapiPaySign(kat, type, DEMO.key)).toBe(kat.paySign);
    }
  });

  it('when the params are right, then the check accepts them and names the order; tampered, it refuses', async () => {
    for (const type of ['MD5', 'HMAC-SHA256'] as const) {
      const { fields, prepayId } = await oaJsapiOrder(type);
      const params = payParams(prepayId, type);
      const ok = await json(`${sandbox.url}/__sandbox/jsapi-pay/check`, params);
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({
        ok: true,
        prepay_id: prepayId,
        out_trade_no: fields.out_trade_no,
        mch_id: DEMO.mchId,
        body: fields.body,
        total_fee: 1990,
      });

      const refusals: [Record<string, unknown>, string][] = [
        [
          { paySign: params.paySign.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) },
          'INVALID_PAY_SIGN',
        ],
        [{ paySign: params.paySign.toLowerCase() }, 'INVALID_PAY_SIGN'],
        [{ nonceStr: `${params.nonceStr}x` }, 'INVALID_PAY_SIGN'],
        [{ timeStamp: String(Number(params.timeStamp) + 1) }, 'INVALID_PAY_SIGN'],
        [{ signType: type === 'MD5' ? 'HMAC-SHA256' : 'MD5' }, 'SIGN_TYPE_MISMATCH'],
        [{ signType: 'RSA' }, 'SIGN_TYPE_MISMATCH'],
        [{ signType: 'SHA1' }, 'INVALID_SIGN_TYPE'],
        [{ timeStamp: Number(params.timeStamp) }, 'INVALID_PARAMS'],
        [{ paySign: '' }, 'LACK_PARAMS'],
        [{ package: prepayId }, 'INVALID_PACKAGE'],
        [{ appId: DEMO.appId }, 'APPID_MISMATCH'],
        [{ appId: 'wx0000000000000099' }, 'UNKNOWN_APPID'],
      ];
      for (const [change, code] of refusals) {
        const bad = await json(`${sandbox.url}/__sandbox/jsapi-pay/check`, {
          ...params,
          ...change,
        });
        expect(bad.status, `${type} ${JSON.stringify(change)}`).toBe(400);
        expect(bad.body.error.code, `${type} ${JSON.stringify(change)}`).toBe(code);
      }
      const wrongKey = {
        ...params,
        paySign: testPaySign(params, type, 'wrongkey0123456789abcdef01234567'),
      };
      const refused = await json(`${sandbox.url}/__sandbox/jsapi-pay/check`, wrongKey);
      expect(refused.body.error).toEqual({ code: 'INVALID_PAY_SIGN', message: '支付验证签名失败' });
    }
  });

  it('when an APIv3 order is paid with its RSA paySign, then the check accepts it; MD5, another key or a changed field is refused', async () => {
    const body = jsapiBody(openIdFor(OA.appId, 'alice'), { appid: OA.appId });
    const placed = await v3Call(sandbox.url, 'POST', '/v3/pay/transactions/jsapi', body, {
      timestamp: Math.floor(sandbox.now().getTime() / 1000), // signed at the sandbox's time
    });
    expect(placed.status, placed.text).toBe(200);
    const unsigned = {
      appId: OA.appId,
      timeStamp: String(Math.floor(Date.now() / 1000)),
      nonceStr: 'v3nonce0123456789',
      package: `prepay_id=${placed.json.prepay_id}`,
    };
    const v3Message = (p: typeof unsigned) =>
      `${p.appId}\n${p.timeStamp}\n${p.nonceStr}\n${p.package}\n`;
    const params = {
      ...unsigned,
      signType: 'RSA',
      paySign: rsaSha256(v3Message(unsigned), merchantKey()),
    };
    const ok = await json(`${sandbox.url}/__sandbox/jsapi-pay/check`, params);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ ok: true, out_trade_no: body.out_trade_no, total_fee: 1990 });

    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const refusals: [Record<string, unknown>, string][] = [
      [
        { signType: 'MD5', paySign: testPaySign({ ...unsigned, signType: 'MD5' }, 'MD5') },
        'SIGN_TYPE_MISMATCH',
      ],
      [{ paySign: rsaSha256(v3Message(unsigned), otherKey) }, 'INVALID_PAY_SIGN'],
      [{ nonceStr: `${unsigned.nonceStr}x` }, 'INVALID_PAY_SIGN'],
      [{ paySign: `${params.paySign.slice(0, -4)}` }, 'INVALID_PAY_SIGN'],
    ];
    for (const [change, code] of refusals) {
      const bad = await json(`${sandbox.url}/__sandbox/jsapi-pay/check`, { ...params, ...change });
      expect(bad.status, JSON.stringify(change)).toBe(400);
      expect(bad.body.error.code, JSON.stringify(change)).toBe(code);
    }
  });

  it('when the prepay_id is unknown, paid or not a JSAPI order, then the check refuses it', async () => {
    const unknown = await json(
      `${sandbox.url}/__sandbox/jsapi-pay/check`,
      payParams('wx20261201200000ffffffffffffffffffff'),
    );
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'PREPAY_NOT_FOUND']);

    const { prepayId } = await oaJsapiOrder();
    sandbox.pay(prepayId);
    const paid = await json(`${sandbox.url}/__sandbox/jsapi-pay/check`, payParams(prepayId));
    expect([paid.status, paid.body.error.code]).toEqual([409, 'ORDER_PAID']);

    const native = await postPay(
      `${sandbox.url}/pay/unifiedorder`,
      signed({
        ...jsapiFields(sandbox, { trade_type: 'NATIVE', openid: '', product_id: 'P1' }),
        appid: OA.appId,
      }),
    );
    const notJsapi = await json(
      `${sandbox.url}/__sandbox/jsapi-pay/check`,
      payParams(native.reply.prepay_id!),
    );
    expect(notJsapi.body.error.code).toBe('NOT_JSAPI');
  });

  it('when a page on another origin asks, then /__sandbox answers CORS and the preflight; WeChat paths do not', async () => {
    const preflight = await send(`${sandbox.url}/__sandbox/jsapi-pay/check`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://127.0.0.1:4000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
    expect(preflight.headers['access-control-allow-methods']).toContain('POST');
    expect(preflight.headers['access-control-allow-headers']).toBe('content-type');

    const script = await send(`${sandbox.url}/__sandbox/jsbridge.js`);
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/^application\/javascript/);
    expect(script.headers['access-control-allow-origin']).toBe('*');
    expect(script.text).toContain('getBrandWCPayRequest');
    expect(script.text).toContain('WeixinJSBridgeReady');
    // Plain ES2017: no optional chaining or nullish coalescing, which older WebViews lack.
    expect(script.text).not.toMatch(/\?\.|\?\?/);

    const wechat = await send(`${sandbox.url}/sns/oauth2/access_token`, {
      headers: { origin: 'http://127.0.0.1:4000' },
    });
    expect(wechat.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('Native by scan', () => {
  async function nativeOrder() {
    const fields = jsapiFields(sandbox, {
      trade_type: 'NATIVE',
      openid: '',
      product_id: 'P1',
      notify_url: receiver.url,
    });
    const { reply } = await postPay(`${sandbox.url}/pay/unifiedorder`, signed(fields));
    expect(reply.code_url).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/);
    return { fields, codeUrl: reply.code_url! };
  }

  it('when a test user scans the code_url and pays, then the order is paid by that user and the merchant is told', async () => {
    const { fields, codeUrl } = await nativeOrder();
    const cancelled = await json(`${sandbox.url}/__sandbox/scan`, {
      code_url: codeUrl,
      user: 'carol',
      outcome: 'cancel',
    });
    expect(cancelled.body.trade_state).toBe('NOTPAY');

    const paid = await json(`${sandbox.url}/__sandbox/scan`, { code_url: codeUrl, user: 'carol' });
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({
      trade_state: 'SUCCESS',
      out_trade_no: fields.out_trade_no,
      openid: openIdFor(DEMO.appId, 'carol'),
    });
    expect(paid.body.transaction_id).toMatch(/^\d{28}$/);

    const query = await postPay(
      `${sandbox.url}/pay/orderquery`,
      signed({ out_trade_no: fields.out_trade_no }),
    );
    expect(query.reply).toMatchObject({
      trade_state: 'SUCCESS',
      trade_type: 'NATIVE',
      openid: openIdFor(DEMO.appId, 'carol'),
    });
    const hit = await eventually(
      () => receiver.hits.find((h) => h.fields.out_trade_no === fields.out_trade_no),
      5000,
      'the payment notification',
    );
    expect(hit.fields).toMatchObject({ result_code: 'SUCCESS', openid: paid.body.openid });
    expect(hit.fields.sign).toBe(testSign(hit.fields));

    const again = await json(`${sandbox.url}/__sandbox/scan`, { code_url: codeUrl });
    expect([again.status, again.body.error.code]).toEqual([409, 'ORDER_PAID']);
  });

  it('when the code_url is unknown or the body is wrong, then scan refuses', async () => {
    const unknown = await json(`${sandbox.url}/__sandbox/scan`, {
      code_url: 'weixin://wxpay/bizpayurl?pr=nothing',
    });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'CODE_URL_NOT_FOUND']);
    const { codeUrl } = await nativeOrder();
    for (const [body, code] of [
      [{}, 'INVALID_CODE_URL'],
      [{ code_url: codeUrl, user: '' }, 'INVALID_USER'],
      [{ code_url: codeUrl, outcome: 'maybe' }, 'INVALID_OUTCOME'],
    ] as const) {
      const res = await json(`${sandbox.url}/__sandbox/scan`, body);
      expect([res.status, res.body.error.code]).toEqual([400, code]);
    }
  });
});

describe('the H5 (MWEB) cashier', () => {
  const scene = JSON.stringify({ h5_info: { type: 'Wap', wap_url: 'https://fen.example' } });

  async function mwebOrder() {
    const fields = jsapiFields(sandbox, { trade_type: 'MWEB', openid: '', scene_info: scene });
    const { reply } = await postPay(`${sandbox.url}/pay/unifiedorder`, signed(fields));
    expect(reply.result_code).toBe('SUCCESS');
    return { fields, mwebUrl: reply.mweb_url!, prepayId: reply.prepay_id! };
  }

  const act = (prepayId: string, outcome: string, redirectUrl = '') =>
    send(`${sandbox.url}/checkmweb`, {
      body: new URLSearchParams({
        prepay_id: prepayId,
        redirect_url: redirectUrl,
        user: 'dave',
        outcome,
      }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });

  it('when the payer pays on the mweb_url page, then the browser goes to redirect_url and the order is paid', async () => {
    const { fields, mwebUrl, prepayId } = await mwebOrder();
    const back = 'https://fen.example/h5/result?order=42';
    const page = await send(`${mwebUrl}&redirect_url=${encodeURIComponent(back)}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('id="fen-sandbox-cashier"');
    expect(page.text).toContain('class="pay">Pay ¥19.90</button>');
    expect(page.text).toContain('class="cancel">Cancel</button>');
    expect(page.text).toContain('class="insufficient-funds">Insufficient funds</button>');
    expect(page.text).toContain(`name="redirect_url" value="${back}"`);

    const cancelled = await act(prepayId, 'cancel', back);
    expect([cancelled.status, cancelled.headers.location]).toEqual([303, back]);
    const paid = await act(prepayId, 'success', back);
    // WeChat sends the browser back without the outcome: the merchant must query.
    expect([paid.status, paid.headers.location]).toEqual([303, back]);
    const query = await postPay(
      `${sandbox.url}/pay/orderquery`,
      signed({ out_trade_no: fields.out_trade_no }),
    );
    expect(query.reply).toMatchObject({
      trade_state: 'SUCCESS',
      trade_type: 'MWEB',
      openid: openIdFor(DEMO.appId, 'dave'),
    });
    const order = sandbox.orders().find((o) => o.out_trade_no === fields.out_trade_no)!;
    expect(order.pay_attempts.map((a) => a.outcome)).toEqual(['cancel', 'success']);

    const revisit = await send(mwebUrl);
    expect(revisit.text).toContain('订单已支付');
    expect(revisit.text).not.toContain('fen-sandbox-cashier');
  });

  it('when there is no redirect_url, then the outcome is shown on the sandbox page', async () => {
    const { prepayId, fields } = await mwebOrder();
    const res = await act(prepayId, 'insufficient_funds');
    expect(res.status).toBe(200);
    expect(res.text).toContain(`Insufficient funds: ${fields.out_trade_no} is NOTPAY`);
  });

  it('when the prepay_id is unknown, expired or not MWEB, or redirect_url is bad, then an error page refuses', async () => {
    const unknown = await send(`${sandbox.url}/checkmweb?prepay_id=wx2026nothing&package=1`);
    expect(unknown.status).toBe(200);
    expect(unknown.text).toContain('Oops! Something went wrong:(');
    expect(unknown.text).toContain('unknown prepay_id');

    const jsapi = await postPay(`${sandbox.url}/pay/unifiedorder`, signed(jsapiFields(sandbox)));
    const notMweb = await send(`${sandbox.url}/checkmweb?prepay_id=${jsapi.reply.prepay_id}`);
    expect(notMweb.text).toContain('trade_type is JSAPI');

    const { mwebUrl, prepayId } = await mwebOrder();
    const badRedirect = await send(`${mwebUrl}&redirect_url=${encodeURIComponent('javascript:x')}`);
    expect(badRedirect.text).toContain('redirect_url参数错误');
    expect(badRedirect.text).not.toContain('fen-sandbox-cashier');

    sandbox.advanceClock(2 * 3600 + 1);
    const expired = await send(mwebUrl);
    expect(expired.text).toContain('支付请求已失效');
    const lateAct = await act(prepayId, 'success', 'https://fen.example/back');
    expect(lateAct.status).toBe(200);
    expect(lateAct.headers.location).toBeUndefined();
    expect(lateAct.text).toContain('支付请求已失效');
  });
});
