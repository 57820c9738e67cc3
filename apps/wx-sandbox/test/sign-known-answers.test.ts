import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox } from '../src/index.js';
import type { Sandbox } from '../src/index.js';
import { postPay } from './support/http.js';
import {
  DEMO,
  decryptReqInfo,
  parseTestXml,
  replySignOk,
  stringSignTemp,
  testSign,
} from './support/wire.js';
import { vector } from './support/vectors.js';

// Fixed known answers: the official doc and library vectors of fixtures/, and demo-key
// values computed independently with python hashlib/hmac and checked with `openssl md5` /
// `openssl dgst -sha256 -hmac` (see the comments). They pin the test signer, and through it every
// signature the sandbox makes or checks, so one signing bug cannot hide on both sides.

/** unifiedorder NATIVE, MD5: python md5 of the string below + &key=<demo key> (openssl agrees). */
const KAT_UO_MD5 = {
  appid: DEMO.appId,
  mch_id: DEMO.mchId,
  nonce_str: 'fenkatnonce0001',
  body: 'Fen 帆布包',
  out_trade_no: 'KAT0001',
  total_fee: '1990',
  spbill_create_ip: '127.0.0.1',
  notify_url: 'http://127.0.0.1:9/notify',
  trade_type: 'NATIVE',
  product_id: 'P1',
  sign: 'D70207F662D49156269985504CED2CCA',
};
/** The same with sign_type=HMAC-SHA256 participating (python hmac.new(key, temp, sha256)). */
const KAT_UO_HMAC = {
  ...KAT_UO_MD5,
  out_trade_no: 'KAT0002',
  nonce_str: 'fenkatnonce0002',
  sign_type: 'HMAC-SHA256',
  sign: '25BED465BFD9A31956934120646F2993B0B6872969EAD48C1FD8EE94DC857BBB',
};
/** orderquery for KAT0001 (MD5, `openssl md5` → 3b57ebc2…) and KAT0002 (HMAC, `openssl dgst` → 54d66301…). */
const KAT_OQ_MD5 = {
  appid: DEMO.appId,
  mch_id: DEMO.mchId,
  nonce_str: 'fenkatnonce0003',
  out_trade_no: 'KAT0001',
  sign: '3B57EBC25E49A70F094FDFF6D26981BC',
};
const KAT_OQ_HMAC = {
  appid: DEMO.appId,
  mch_id: DEMO.mchId,
  nonce_str: 'fenkatnonce0004',
  out_trade_no: 'KAT0002',
  sign_type: 'HMAC-SHA256',
  sign: '54D66301F27D1EB2C45946C9726E85B6C20C7EB1AD046C360D7A9A2F081FA91C',
};

describe('the test signer', () => {
  it('when given the official doc example, then it yields the doc MD5 and HMAC-SHA256 signs', () => {
    for (const id of ['v2-sign-md5-official-doc', 'v2-sign-hmac-sha256-official-doc']) {
      const v = vector(id);
      const params = v.input.params as Record<string, string>;
      expect(stringSignTemp(params, v.input.key as string)).toBe(v.expected.string_sign_temp);
      expect(testSign(params, v.input.key as string, v.input.sign_type as 'MD5')).toBe(
        v.expected.sign,
      );
    }
  });

  it('when given the derived HMAC notify vector, then sign_type participates and the sign matches', () => {
    const v = vector('v2-notify-pay-success-hmac-derived');
    const fields = parseTestXml(v.input.xml as string);
    expect(testSign(fields, v.input.key as string, 'HMAC-SHA256')).toBe(v.expected.sign);
  });

  it('when given the demo-key known answers, then it reproduces the python/openssl values', () => {
    expect(testSign(KAT_UO_MD5, DEMO.key, 'MD5')).toBe(KAT_UO_MD5.sign);
    expect(testSign(KAT_UO_HMAC, DEMO.key, 'HMAC-SHA256')).toBe(KAT_UO_HMAC.sign);
    expect(testSign(KAT_OQ_MD5, DEMO.key, 'MD5')).toBe(KAT_OQ_MD5.sign);
    expect(testSign(KAT_OQ_HMAC, DEMO.key, 'HMAC-SHA256')).toBe(KAT_OQ_HMAC.sign);
  });

  it('when given the wechatpy req_info vector, then the test decryptor yields its plaintext', () => {
    const v = vector('v2-refund-notify-reqinfo-decrypt-wechatpy');
    const plain = decryptReqInfo(v.input.req_info as string, v.input.api_key as string);
    expect(plain).toBe(v.expected.plaintext);
    expect(parseTestXml(plain)).toMatchObject(v.expected.fields as Record<string, string>);
  });
});

describe('the sandbox against fixed known answers', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await createSandbox();
  });
  afterAll(() => sandbox.close());

  it('when a request carries the precomputed MD5 sign, then the sandbox accepts it and signs its MD5 reply correctly', async () => {
    const { reply } = await postPay(`${sandbox.url}/pay/unifiedorder`, KAT_UO_MD5);
    expect(reply).toMatchObject({
      return_code: 'SUCCESS',
      result_code: 'SUCCESS',
      trade_type: 'NATIVE',
    });
    expect(reply.code_url).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/);
    expect(reply.sign).toMatch(/^[0-9A-F]{32}$/);
    expect(replySignOk(reply, 'MD5')).toBe(true);
    const query = await postPay(`${sandbox.url}/pay/orderquery`, KAT_OQ_MD5);
    expect(query.reply).toMatchObject({
      result_code: 'SUCCESS',
      trade_state: 'NOTPAY',
      out_trade_no: 'KAT0001',
    });
    expect(replySignOk(query.reply, 'MD5')).toBe(true);
  });

  it('when a request carries the precomputed HMAC-SHA256 sign, then the reply is signed with HMAC-SHA256', async () => {
    const { reply } = await postPay(`${sandbox.url}/pay/unifiedorder`, KAT_UO_HMAC);
    expect(reply.result_code).toBe('SUCCESS');
    expect(reply.sign).toMatch(/^[0-9A-F]{64}$/);
    expect(replySignOk(reply, 'HMAC-SHA256')).toBe(true);
    expect(replySignOk(reply, 'MD5')).toBe(false);
    const query = await postPay(`${sandbox.url}/pay/orderquery`, KAT_OQ_HMAC);
    expect(query.reply.trade_state).toBe('NOTPAY');
    expect(replySignOk(query.reply, 'HMAC-SHA256')).toBe(true);
  });

  it('when one signed field is changed, then the answer is return_code=FAIL "签名错误" with no sign', async () => {
    for (const tampered of [
      { ...KAT_OQ_MD5, out_trade_no: 'KAT0002' },
      { ...KAT_OQ_HMAC, sign_type: 'MD5' },
      { ...KAT_OQ_MD5, sign: KAT_OQ_MD5.sign.toLowerCase().replace(/^3/, '4') },
    ]) {
      const { reply } = await postPay(`${sandbox.url}/pay/orderquery`, tampered);
      expect(reply.return_code).toBe('FAIL');
      expect(reply.return_msg).toContain('签名错误');
      expect(reply.sign).toBeUndefined();
      expect(reply.result_code).toBeUndefined();
    }
  });

  it('when the sign is made with the AppSecret instead of the API key, then it is refused', async () => {
    const { sign: _sign, ...fields } = KAT_OQ_MD5;
    const wrong = { ...fields, sign: testSign(fields, DEMO.secret) };
    const { reply } = await postPay(`${sandbox.url}/pay/orderquery`, wrong);
    expect(reply).toEqual({ return_code: 'FAIL', return_msg: '签名错误，请检查后再试' });
  });
});
