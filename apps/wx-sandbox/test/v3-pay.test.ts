import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_MERCHANT } from '@fen/demo';
import { createSandbox } from '../src/index.js';
import type { Sandbox } from '../src/index.js';
import { cert, postPay } from './support/http.js';
import { createPrivateKey } from 'node:crypto';
import {
  DEMO_V3,
  jsapiBody,
  platformPublicKey,
  sandboxV3Calls,
  v3TradeNo,
  wechatpaySignatureOk,
} from './support/v3-wire.js';
import { signed } from './support/wire.js';

let sandbox: Sandbox;
let openid: string;
beforeAll(async () => {
  sandbox = await createSandbox({
    timeScale: 0.001,
    merchants: [
      {
        mchId: DEMO_MERCHANT.mchId,
        key: DEMO_MERCHANT.key,
        appIds: [DEMO_MERCHANT.appId],
        apiV3Key: DEMO_V3.apiV3Key,
        merchantSerialNo: DEMO_V3.serialNo,
      },
      // A merchant that has not enabled APIv3.
      {
        mchId: '1900000777',
        key: 'otherv2onlykey0123456789abcdefgh',
        appIds: ['wxfe00000000000001'],
      },
    ],
  });
  openid = sandbox.loginCode('alice').openid;
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.clearFaults());

// Signed at the sandbox's time: some tests move its clock.
const { post, get } = sandboxV3Calls(() => sandbox);
const query = (no: string) => get(`/v3/pay/transactions/out-trade-no/${no}?mchid=${DEMO_V3.mchId}`);

describe('POST /v3/pay/transactions/{jsapi|app|native|h5}', () => {
  it('when a JSAPI prepay is valid, then the signed reply carries a prepay_id of the one order store', async () => {
    const body = jsapiBody(openid);
    const reply = await post('/v3/pay/transactions/jsapi', body);
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ prepay_id: expect.stringMatching(/^wx\d{14}[0-9a-f]{20}$/) });
    expect(reply.headers['request-id']).toMatch(/^[0-9A-F]{32}$/);
    expect(wechatpaySignatureOk(reply.headers, reply.body, platformPublicKey())).toBe(true);
    const order = sandbox.orders().find((o) => o.out_trade_no === body.out_trade_no)!;
    expect(order).toMatchObject({
      trade_type: 'JSAPI',
      total_fee: 1990,
      openid,
      trade_state: 'NOTPAY',
    });
  });

  it('when APP, NATIVE and H5 prepays are valid, then they return prepay_id, code_url and h5_url', async () => {
    const { payer: _payer, ...base } = jsapiBody(openid);
    const app = await post('/v3/pay/transactions/app', { ...base, out_trade_no: v3TradeNo() });
    expect(app.status).toBe(200);
    expect(app.json.prepay_id).toMatch(/^wx/);
    const native = await post('/v3/pay/transactions/native', {
      ...base,
      out_trade_no: v3TradeNo(),
    });
    expect(native.json.code_url).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=\w+$/);
    const h5 = await post('/v3/pay/transactions/h5', {
      ...base,
      out_trade_no: v3TradeNo(),
      scene_info: { payer_client_ip: '203.0.113.7', h5_info: { type: 'Wap' } },
    });
    expect(h5.status).toBe(200);
    expect(h5.json.h5_url).toContain('/checkmweb?prepay_id=wx');
    const h5Order = sandbox
      .orders()
      .find((o) => o.mweb_url && h5.json.h5_url.includes(o.prepay_id));
    expect(h5Order?.trade_type).toBe('MWEB');
  });

  it('when fields are missing or malformed, then 400 PARAM_ERROR names the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ description: undefined }, 'description'],
      [{ out_trade_no: 'ab12' }, 'out_trade_no'],
      [{ amount: { total: 19.9, currency: 'CNY' } }, 'amount.total'],
      [{ amount: { total: '1990' } }, 'amount.total'],
      [{ amount: { total: 1990, currency: 'USD' } }, 'amount.currency'],
      [{ notify_url: 'http://example.com/notify' }, 'notify_url'],
      [{ notify_url: 'https://example.com/notify?x=1' }, 'notify_url'],
      [{ time_expire: '2026-02-30T10:00:00+08:00' }, 'time_expire'],
      [{ payer: {} }, 'payer.openid'],
      [{ mchid: '1900000888' }, 'mchid'],
    ];
    for (const [override, field] of cases) {
      const reply = await post('/v3/pay/transactions/jsapi', jsapiBody(openid, override));
      expect(reply.status, field).toBe(400);
      expect(reply.json.code, field).toBe('PARAM_ERROR');
      expect(reply.json.detail?.field, field).toBe(field);
    }
    const h5 = await post('/v3/pay/transactions/h5', { ...jsapiBody(openid), scene_info: {} });
    expect(h5.json.detail.field).toBe('scene_info.payer_client_ip');
    const notJson = await post('/v3/pay/transactions/jsapi', '{"appid":');
    expect([notJson.status, notJson.json.code]).toEqual([400, 'PARAM_ERROR']);
  });

  it('when the appid is not bound or the openid is of another app, then 400 APPID_MCHID_NOT_MATCH / PARAM_ERROR', async () => {
    const unbound = await post(
      '/v3/pay/transactions/jsapi',
      jsapiBody(openid, { appid: 'wxfe00000000000999' }),
    );
    expect([unbound.status, unbound.json.code]).toEqual([400, 'APPID_MCHID_NOT_MATCH']);
    const foreign = await post('/v3/pay/transactions/jsapi', jsapiBody('o' + 'x'.repeat(27)));
    expect([foreign.status, foreign.json.code, foreign.json.message]).toEqual([
      400,
      'PARAM_ERROR',
      'appid和openid不匹配',
    ]);
  });

  it('when the same out_trade_no comes again, then the same body gets the same prepay_id and another body 403 OUT_TRADE_NO_USED', async () => {
    const body = jsapiBody(openid);
    const first = await post('/v3/pay/transactions/jsapi', body);
    const again = await post('/v3/pay/transactions/jsapi', body);
    expect(again.json.prepay_id).toBe(first.json.prepay_id);
    const changed = await post('/v3/pay/transactions/jsapi', {
      ...body,
      amount: { total: 1, currency: 'CNY' },
    });
    expect([changed.status, changed.json.code]).toEqual([403, 'OUT_TRADE_NO_USED']);
    sandbox.pay(first.json.prepay_id, 'success');
    const paid = await post('/v3/pay/transactions/jsapi', body);
    expect([paid.status, paid.json.code]).toEqual([400, 'ORDERPAID']);
  });

  it('when time_expire is under a minute away, then 400 INVALID_REQUEST; when it passes, then the order is CLOSED', async () => {
    const at = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 19) + '+08:00';
    const soon = await post(
      '/v3/pay/transactions/jsapi',
      jsapiBody(openid, { time_expire: at(Date.now() + 30_000) }),
    );
    expect([soon.status, soon.json.code]).toEqual([400, 'INVALID_REQUEST']);
    const body = jsapiBody(openid, { time_expire: at(Date.now() + 120_000) });
    expect((await post('/v3/pay/transactions/jsapi', body)).status).toBe(200);
    // Sandbox time moves; the test signs with the sandbox clock from here on.
    sandbox.advanceClock(180);
    const reply = await get(
      `/v3/pay/transactions/out-trade-no/${body.out_trade_no}?mchid=${DEMO_V3.mchId}`,
      {
        timestamp: Math.floor(sandbox.now().getTime() / 1000),
      },
    );
    expect(reply.json.trade_state).toBe('CLOSED');
    const again = await post('/v3/pay/transactions/jsapi', body, {
      timestamp: Math.floor(sandbox.now().getTime() / 1000),
    });
    expect([again.status, again.json.code]).toEqual([400, 'ORDER_CLOSED']);
  });
});

describe('the merchant signature', () => {
  const path = '/v3/pay/transactions/jsapi';
  it('when Authorization is missing, malformed, stale, for another serial or signed by another key, then a signed 401 SIGN_ERROR', async () => {
    const body = jsapiBody(openid);
    const rogue = createPrivateKey(cert('rogue_key.pem'));
    const replies = [
      await post(path, body, { authorization: null }),
      await post(path, body, { authorization: 'WECHATPAY2-SHA256-RSA2048 mchid="1900000109"' }),
      await post(path, body, { timestamp: Math.floor(Date.now() / 1000) - 301 }),
      await post(path, body, { serial: '1234ABCD' }),
      await post(path, body, { key: rogue }),
      await post(path, body, { signedBody: JSON.stringify({ ...body, amount: { total: 1 } }) }),
    ];
    for (const reply of replies) {
      expect(reply.status).toBe(401);
      expect(reply.json.code).toBe('SIGN_ERROR');
      expect(wechatpaySignatureOk(reply.headers, reply.body, platformPublicKey())).toBe(true);
    }
    expect(sandbox.orders().some((o) => o.out_trade_no === body.out_trade_no)).toBe(false);
  });

  it('when the query string differs from the signed URL, then 401 SIGN_ERROR', async () => {
    const url = `/v3/pay/transactions/out-trade-no/${v3TradeNo()}?mchid=1900000109`;
    const honest = await get(url);
    expect([honest.status, honest.json.code]).toEqual([404, 'ORDER_NOT_EXIST']);
    const forged = await get(`${url}&x=1`, { signedUrl: url });
    expect([forged.status, forged.json.code]).toEqual([401, 'SIGN_ERROR']);
  });

  it('when the mchid is unknown or has no APIv3, then 400 MCH_NOT_EXISTS / 403 NO_AUTH', async () => {
    const unknown = await post('/v3/pay/transactions/jsapi', jsapiBody(openid), {
      mchid: '1900000555',
    });
    expect([unknown.status, unknown.json.code]).toEqual([400, 'MCH_NOT_EXISTS']);
    const v2Only = await post('/v3/pay/transactions/jsapi', jsapiBody(openid), {
      mchid: '1900000777',
    });
    expect([v2Only.status, v2Only.json.code]).toEqual([403, 'NO_AUTH']);
  });
});

describe('GET /v3/pay/transactions/… and close', () => {
  it('when an order is unpaid, paid, then queried by id, then the replies follow its state', async () => {
    const body = jsapiBody(openid, { attach: 'cart=7' });
    const { json } = await post('/v3/pay/transactions/jsapi', body);
    const unpaid = await query(body.out_trade_no);
    expect(unpaid.json).toMatchObject({
      appid: DEMO_V3.appId,
      mchid: DEMO_V3.mchId,
      out_trade_no: body.out_trade_no,
      trade_state: 'NOTPAY',
      attach: 'cart=7',
      amount: { total: 1990, currency: 'CNY' },
    });
    expect(unpaid.json.transaction_id).toBeUndefined();
    const { transaction_id: transactionId } = sandbox.pay(json.prepay_id, 'success');
    const paid = await query(body.out_trade_no);
    expect(paid.json).toMatchObject({
      trade_state: 'SUCCESS',
      transaction_id: transactionId,
      trade_type: 'JSAPI',
      bank_type: 'OTHERS',
      payer: { openid },
      amount: { total: 1990, payer_total: 1990, currency: 'CNY', payer_currency: 'CNY' },
      success_time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/),
    });
    const byId = await get(`/v3/pay/transactions/id/${transactionId}?mchid=${DEMO_V3.mchId}`);
    expect(byId.json).toEqual(paid.json);
    expect(wechatpaySignatureOk(byId.headers, byId.body, platformPublicKey())).toBe(true);
  });

  it('when an order is unknown, or the mchid query is missing or another, then 404 ORDER_NOT_EXIST / 400 PARAM_ERROR', async () => {
    const missing = await query(v3TradeNo());
    expect([missing.status, missing.json.code]).toEqual([404, 'ORDER_NOT_EXIST']);
    const byId = await get(
      `/v3/pay/transactions/id/4200000000202601010000000000?mchid=${DEMO_V3.mchId}`,
    );
    expect([byId.status, byId.json.code]).toEqual([404, 'ORDER_NOT_EXIST']);
    const noMchid = await get(`/v3/pay/transactions/out-trade-no/${v3TradeNo()}`);
    expect([noMchid.status, noMchid.json.code, noMchid.json.detail.location]).toEqual([
      400,
      'PARAM_ERROR',
      'query',
    ]);
    const other = await get(`/v3/pay/transactions/out-trade-no/${v3TradeNo()}?mchid=1900000777`);
    expect([other.status, other.json.code]).toEqual([400, 'PARAM_ERROR']);
  });

  it('when an unpaid order is closed, then 204 with a signed empty body, and closing again or a paid one is refused', async () => {
    const body = jsapiBody(openid);
    const created = await post('/v3/pay/transactions/jsapi', body);
    const closePath = `/v3/pay/transactions/out-trade-no/${body.out_trade_no}/close`;
    const closed = await post(closePath, { mchid: DEMO_V3.mchId });
    expect(closed.status).toBe(204);
    expect(closed.text).toBe('');
    expect(wechatpaySignatureOk(closed.headers, '', platformPublicKey())).toBe(true);
    expect((await query(body.out_trade_no)).json.trade_state).toBe('CLOSED');
    expect(() => sandbox.pay(created.json.prepay_id, 'success')).toThrow(/ORDER_CLOSED/);
    const twice = await post(closePath, { mchid: DEMO_V3.mchId });
    expect([twice.status, twice.json.code]).toEqual([400, 'ORDER_CLOSED']);

    const paidBody = jsapiBody(openid);
    sandbox.pay((await post('/v3/pay/transactions/jsapi', paidBody)).json.prepay_id, 'success');
    const paid = await post(`/v3/pay/transactions/out-trade-no/${paidBody.out_trade_no}/close`, {
      mchid: DEMO_V3.mchId,
    });
    expect([paid.status, paid.json.code]).toEqual([400, 'ORDERPAID']);
    const unknown = await post(`/v3/pay/transactions/out-trade-no/${v3TradeNo()}/close`, {
      mchid: DEMO_V3.mchId,
    });
    expect([unknown.status, unknown.json.code]).toEqual([404, 'ORDER_NOT_EXIST']);
    const noMchid = await post(closePath, {});
    expect([noMchid.status, noMchid.json.code]).toEqual([400, 'PARAM_ERROR']);
  });

  it('when a v3 order is paid, then APIv2 orderquery sees the same order, and a v2 order is found through v3', async () => {
    const body = jsapiBody(openid);
    const { json } = await post('/v3/pay/transactions/jsapi', body);
    const { transaction_id: transactionId } = sandbox.pay(json.prepay_id, 'success');
    const { reply } = await postPay(
      `${sandbox.url}/pay/orderquery`,
      signed({ out_trade_no: body.out_trade_no }),
    );
    expect(reply).toMatchObject({
      result_code: 'SUCCESS',
      trade_state: 'SUCCESS',
      transaction_id: transactionId,
      total_fee: '1990',
    });

    const v2No = v3TradeNo('V2T');
    const { reply: uo } = await postPay(
      `${sandbox.url}/pay/unifiedorder`,
      signed({
        body: 'v2',
        out_trade_no: v2No,
        total_fee: '500',
        spbill_create_ip: '127.0.0.1',
        notify_url: 'http://127.0.0.1:9/notify',
        trade_type: 'JSAPI',
        openid,
      }),
    );
    expect(uo.result_code).toBe('SUCCESS');
    expect((await query(v2No)).json).toMatchObject({
      trade_state: 'NOTPAY',
      amount: { total: 500 },
    });
    const reuse = await post(
      '/v3/pay/transactions/jsapi',
      jsapiBody(openid, { out_trade_no: v2No }),
    );
    expect([reuse.status, reuse.json.code]).toEqual([403, 'OUT_TRADE_NO_USED']);
  });
});

describe('faults on APIv3 paths', () => {
  it('when systemError is set, then 500 SYSTEM_ERROR, FREQUENCY_LIMITED is a 429, and after:true creates the order first', async () => {
    sandbox.setFaults({ systemError: { paths: ['/v3/pay/transactions'] } });
    const body = jsapiBody(openid);
    const failed = await post('/v3/pay/transactions/jsapi', body);
    expect([failed.status, failed.json.code]).toEqual([500, 'SYSTEM_ERROR']);
    expect(wechatpaySignatureOk(failed.headers, failed.body, platformPublicKey())).toBe(true);
    expect(sandbox.orders().some((o) => o.out_trade_no === body.out_trade_no)).toBe(false);

    sandbox.setFaults({
      systemError: { paths: ['/v3/pay/transactions/jsapi'], errCode: 'FREQUENCY_LIMITED' },
    });
    const limited = await post('/v3/pay/transactions/jsapi', body);
    expect([limited.status, limited.json.code]).toEqual([429, 'FREQUENCY_LIMITED']);

    sandbox.setFaults({ systemError: { paths: ['/v3/pay/transactions/jsapi'], after: true } });
    const lost = await post('/v3/pay/transactions/jsapi', body);
    expect(lost.status).toBe(500);
    expect(sandbox.orders().some((o) => o.out_trade_no === body.out_trade_no)).toBe(true);
    sandbox.clearFaults();
    expect((await post('/v3/pay/transactions/jsapi', body)).json.prepay_id).toMatch(/^wx/);
  });
});
