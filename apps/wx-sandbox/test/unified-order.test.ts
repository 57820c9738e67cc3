import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox } from '../src/index.js';
import type { Sandbox } from '../src/index.js';
import { postPay, send } from './support/http.js';
import { jsapiFields, tradeNo } from './support/orders.js';
import { DEMO, replySignOk, signed, testSign, testXml } from './support/wire.js';

let sandbox: Sandbox;
let uo: string;
beforeAll(async () => {
  sandbox = await createSandbox();
  uo = `${sandbox.url}/pay/unifiedorder`;
});
afterAll(() => sandbox.close());

/** Beijing `yyyyMMddHHmmss` of the sandbox clock + `seconds`. */
function wxTime(seconds: number): string {
  const ms = sandbox.now().getTime() + seconds * 1000 + 8 * 3600_000;
  return new Date(ms).toISOString().slice(0, 19).replace(/[-T:]/g, '');
}

describe('POST /pay/unifiedorder — trade types', () => {
  it('when a JSAPI order names an openid of that appid, then a 36-character prepay_id comes back, signed', async () => {
    const { reply } = await postPay(uo, signed(jsapiFields(sandbox)));
    expect(reply).toMatchObject({
      return_code: 'SUCCESS',
      return_msg: 'OK',
      result_code: 'SUCCESS',
      trade_type: 'JSAPI',
      appid: DEMO.appId,
      mch_id: DEMO.mchId,
    });
    expect(reply.prepay_id).toMatch(/^wx\d{14}[0-9a-f]{20}$/);
    expect(reply.nonce_str).toBeTruthy();
    expect(replySignOk(reply)).toBe(true);
  });

  it('when NATIVE has a product_id, then code_url is returned; without it, LACK_PARAMS', async () => {
    const ok = await postPay(
      uo,
      signed(jsapiFields(sandbox, { trade_type: 'NATIVE', openid: '', product_id: 'SKU1' })),
    );
    expect(ok.reply.code_url).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=[A-Za-z0-9]{7}$/);
    const missing = await postPay(
      uo,
      signed(jsapiFields(sandbox, { trade_type: 'NATIVE', openid: '' })),
    );
    expect(missing.reply).toMatchObject({
      return_code: 'SUCCESS',
      result_code: 'FAIL',
      err_code: 'LACK_PARAMS',
    });
    expect(replySignOk(missing.reply)).toBe(true);
  });

  it('when MWEB has an h5_info scene_info, then mweb_url leads to the sandbox cashier; without it, LACK_PARAMS', async () => {
    const scene = JSON.stringify({
      h5_info: { type: 'Wap', wap_url: 'https://fen.example', wap_name: 'Fen' },
    });
    const ok = await postPay(
      uo,
      signed(jsapiFields(sandbox, { trade_type: 'MWEB', openid: '', scene_info: scene })),
    );
    expect(ok.reply.result_code).toBe('SUCCESS');
    expect(ok.reply.mweb_url).toBe(
      `${sandbox.url}/checkmweb?prepay_id=${ok.reply.prepay_id}&package=${new URL(ok.reply.mweb_url!).searchParams.get('package')}`,
    );
    const page = await send(ok.reply.mweb_url!);
    expect(page.status).toBe(200);
    expect(page.text).toContain('id="fen-sandbox-cashier"');
    const missing = await postPay(
      uo,
      signed(jsapiFields(sandbox, { trade_type: 'MWEB', openid: '' })),
    );
    expect(missing.reply.err_code).toBe('LACK_PARAMS');
    const bad = await postPay(
      uo,
      signed(jsapiFields(sandbox, { trade_type: 'MWEB', openid: '', scene_info: 'not json' })),
    );
    expect(bad.reply.err_code).toBe('PARAM_ERROR');
  });

  it('when APP pay is ordered, then only a prepay_id comes back', async () => {
    const { reply } = await postPay(
      uo,
      signed(jsapiFields(sandbox, { trade_type: 'APP', openid: '' })),
    );
    expect(reply).toMatchObject({ result_code: 'SUCCESS', trade_type: 'APP' });
    expect(reply.code_url).toBeUndefined();
  });

  it('when JSAPI has no openid, or one of another app or unknown to the sandbox, then it is refused', async () => {
    const none = await postPay(uo, signed(jsapiFields(sandbox, { openid: '' })));
    expect(none.reply).toMatchObject({
      result_code: 'FAIL',
      err_code: 'LACK_PARAMS',
      err_code_des: 'JSAPI支付必须传openid',
    });
    const foreign = sandbox.loginCode('alice', DEMO.appId).openid.slice(0, 21) + 'AAAAAAA';
    const wrong = await postPay(uo, signed(jsapiFields(sandbox, { openid: foreign })));
    expect(wrong.reply).toMatchObject({
      result_code: 'FAIL',
      err_code: 'PARAM_ERROR',
      err_code_des: 'appid和openid不匹配',
    });
    const made = await postPay(
      uo,
      signed(jsapiFields(sandbox, { openid: 'oUpF8uMEb4qRXf22hE3X68TekukE' })),
    );
    expect(made.reply.err_code).toBe('PARAM_ERROR');
  });
});

describe('POST /pay/unifiedorder — validation', () => {
  const business = async (overrides: Record<string, string>) =>
    (await postPay(uo, signed(jsapiFields(sandbox, overrides)))).reply;

  it.each([
    ['total_fee', '19.90'],
    ['total_fee', '0'],
    ['total_fee', '-1'],
    ['total_fee', '01'],
    ['out_trade_no', 'has space'],
    ['out_trade_no', 'x'.repeat(33)],
    ['notify_url', 'http://fen.example/notify'],
    ['notify_url', 'https://fen.example/notify?order=1'],
    ['notify_url', 'not a url'],
    ['spbill_create_ip', 'localhost'],
    ['trade_type', 'MICROPAY'],
    ['time_expire', '20261340000000'],
    ['time_expire', '2026-11-23'],
    ['fee_type', 'USD'],
    ['body', 'x'.repeat(128)],
  ])('when %s is %j, then result_code=FAIL with PARAM_ERROR, signed', async (name, value) => {
    const reply = await business({ [name]: value });
    expect(reply).toMatchObject({
      return_code: 'SUCCESS',
      result_code: 'FAIL',
      err_code: 'PARAM_ERROR',
    });
    expect(reply.err_code_des).toBeTruthy();
    expect(replySignOk(reply)).toBe(true);
  });

  it.each(['body', 'out_trade_no', 'total_fee', 'spbill_create_ip', 'notify_url', 'trade_type'])(
    'when %s is missing, then LACK_PARAMS',
    async (name) => {
      const reply = await business({ [name]: '' });
      expect(reply).toMatchObject({
        result_code: 'FAIL',
        err_code: 'LACK_PARAMS',
        err_code_des: `缺少参数${name}`,
      });
    },
  );

  it('when notify_url is https anywhere or http on loopback, then it is accepted', async () => {
    for (const url of [
      'https://fen.example/wxpay/notify',
      'http://localhost:3000/wxpay/notify',
      'http://127.0.0.1:3000/n',
    ]) {
      expect((await business({ notify_url: url })).result_code).toBe('SUCCESS');
    }
  });

  it('when time_expire is within a minute, or before time_start, then INVALID_REQUEST', async () => {
    expect(await business({ time_expire: wxTime(30) })).toMatchObject({
      err_code: 'INVALID_REQUEST',
    });
    expect(await business({ time_start: wxTime(600), time_expire: wxTime(300) })).toMatchObject({
      err_code: 'INVALID_REQUEST',
    });
    expect((await business({ time_start: wxTime(0), time_expire: wxTime(120) })).result_code).toBe(
      'SUCCESS',
    );
  });

  it('when the XML or the envelope is wrong, then return_code=FAIL with no sign', async () => {
    const expectFail = (text: string, msg: string | RegExp) => {
      expect(text).toContain('<return_code><![CDATA[FAIL]]></return_code>');
      expect(text).not.toContain('<sign>');
      expect(text).toMatch(msg);
    };
    expectFail((await send(uo, { body: '<xml><appid>' })).text, /XML格式错误/);
    expectFail((await send(uo, { body: 'not xml' })).text, /XML格式错误/);
    expectFail((await send(uo, { body: '' })).text, /post数据为空/);
    expectFail((await send(uo)).text, /post/);
    expectFail(
      (await send(uo, { body: Buffer.from([0x3c, 0x78, 0x6d, 0x6c, 0x3e, 0xff, 0xfe]) })).text,
      /UTF-8/,
    );
    const fields = jsapiFields(sandbox);
    expectFail((await postPay(uo, signed({ ...fields, mch_id: '1900000999' }))).text, /商户号/);
    expectFail(
      (await postPay(uo, signed({ ...fields, mch_id: 'abc' }))).text,
      /mch_id参数格式错误/,
    );
    expectFail(
      (await postPay(uo, signed({ ...fields, appid: 'wxfe0000000000ffff' }))).text,
      /appid和mch_id不匹配/,
    );
    expectFail((await postPay(uo, signed({ ...fields, sign_type: 'SHA1' }))).text, /sign_type/);
    const { sign: _s, ...unsigned } = signed(fields);
    expectFail((await postPay(uo, unsigned)).text, /缺少参数sign/);
    const big = await send(uo, { body: testXml({ body: 'x'.repeat(1024 * 1024 + 10) }) });
    expectFail(big.text, /过大/);
  });

  it('when DOCTYPE or entities appear, then the XML is refused', async () => {
    const xml =
      '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><appid>&e;</appid></xml>';
    expect((await send(uo, { body: xml })).text).toContain('XML格式错误');
  });
});

describe('POST /pay/unifiedorder — re-entry', () => {
  it('when the same out_trade_no comes back with the same business fields and a new nonce, then the same prepay_id', async () => {
    const fields = jsapiFields(sandbox);
    const a = await postPay(uo, signed(fields));
    const b = await postPay(uo, signed(fields, 'MD5'));
    expect(b.reply.prepay_id).toBe(a.reply.prepay_id);
  });

  it('when the same out_trade_no comes back with another amount or body, then INVALID_REQUEST "201 商户订单号重复"', async () => {
    const fields = jsapiFields(sandbox);
    await postPay(uo, signed(fields));
    const changes: Array<Record<string, string>> = [
      { total_fee: '1991' },
      { body: 'other' },
      { attach: 'x' },
    ];
    for (const change of changes) {
      const { reply } = await postPay(uo, signed({ ...fields, ...change }));
      expect(reply).toMatchObject({
        result_code: 'FAIL',
        err_code: 'INVALID_REQUEST',
        err_code_des: '201 商户订单号重复',
      });
    }
  });

  it('when the prepay_id is older than 2 hours, then a re-entry gets a new one and the old one can no longer be paid', async () => {
    const fields = jsapiFields(sandbox);
    const first = (await postPay(uo, signed(fields))).reply.prepay_id!;
    sandbox.advanceClock(2 * 3600);
    const second = (await postPay(uo, signed(fields))).reply.prepay_id!;
    expect(second).not.toBe(first);
    expect(() => sandbox.pay(first)).toThrow(/PREPAY_EXPIRED/);
    expect(sandbox.pay(second).trade_state).toBe('SUCCESS');
  });

  it('when the order is paid or closed, then a re-entry gets ORDERPAID / ORDERCLOSED', async () => {
    const paid = jsapiFields(sandbox);
    sandbox.pay((await postPay(uo, signed(paid))).reply.prepay_id!);
    expect((await postPay(uo, signed(paid))).reply.err_code).toBe('ORDERPAID');
    const closed = jsapiFields(sandbox);
    await postPay(uo, signed(closed));
    await postPay(`${sandbox.url}/pay/closeorder`, signed({ out_trade_no: closed.out_trade_no! }));
    expect((await postPay(uo, signed(closed))).reply.err_code).toBe('ORDERCLOSED');
  });

  it('when time_expire passes, then the order is CLOSED and cannot be paid or re-entered', async () => {
    const fields = jsapiFields(sandbox, { time_expire: wxTime(120) });
    const prepayId = (await postPay(uo, signed(fields))).reply.prepay_id!;
    sandbox.advanceClock(121);
    const query = await postPay(
      `${sandbox.url}/pay/orderquery`,
      signed({ out_trade_no: fields.out_trade_no! }),
    );
    expect(query.reply.trade_state).toBe('CLOSED');
    expect(() => sandbox.pay(prepayId)).toThrow(/ORDER_CLOSED/);
    expect((await postPay(uo, signed(fields))).reply.err_code).toBe('ORDERCLOSED');
  });

  it('when 100 identical unifiedorders race on one out_trade_no, then all get the one prepay_id', async () => {
    const fields = jsapiFields(sandbox, { out_trade_no: tradeNo('RACE') });
    const replies = await Promise.all(
      Array.from({ length: 100 }, () => postPay(uo, signed(fields))),
    );
    const ids = new Set(replies.map((r) => r.reply.prepay_id));
    expect(replies.every((r) => r.reply.result_code === 'SUCCESS')).toBe(true);
    expect(ids.size).toBe(1);
    expect(sandbox.orders().filter((o) => o.out_trade_no === fields.out_trade_no)).toHaveLength(1);
  });

  it('when 100 racing unifiedorders differ in amount, then exactly one wins and the rest get 201', async () => {
    const outTradeNo = tradeNo('RACE');
    const replies = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        postPay(
          uo,
          signed(jsapiFields(sandbox, { out_trade_no: outTradeNo, total_fee: String(100 + i) })),
        ),
      ),
    );
    expect(replies.filter((r) => r.reply.result_code === 'SUCCESS')).toHaveLength(1);
    expect(replies.filter((r) => r.reply.err_code === 'INVALID_REQUEST')).toHaveLength(99);
  });

  it('when the request sign type is HMAC-SHA256, then errors are HMAC-signed too', async () => {
    const req = signed(jsapiFields(sandbox, { total_fee: '1.5' }), 'HMAC-SHA256');
    expect(req.sign).toBe(testSign(req, DEMO.key, 'HMAC-SHA256'));
    const { reply } = await postPay(uo, req);
    expect(reply.err_code).toBe('PARAM_ERROR');
    expect(replySignOk(reply, 'HMAC-SHA256')).toBe(true);
  });
});
