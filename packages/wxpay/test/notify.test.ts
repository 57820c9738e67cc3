import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isWxPayError } from '../src/errors.js';
import type { WxPayError } from '../src/errors.js';
import { notifyReply, parsePaymentNotification, parseRefundNotification } from '../src/notify.js';
import type { NotifyOptions } from '../src/notify.js';
import { encryptRefundInfo } from '../src/refund-crypto.js';
import { signV2 } from '../src/sign.js';
import type { SignType } from '../src/sign.js';
import { fromXml, toXml } from '../src/xml.js';
import { DEMO } from './support/wechat-demo.js';
import { vectorsOfKind } from './support/vectors.js';

const OPTIONS: NotifyOptions = { appId: DEMO.appId, mchId: DEMO.mchId, key: DEMO.key };

/** A payment notification as WeChat sends it: 20 fields, genuinely signed with the demo key. */
function paymentFields(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const fields: Record<string, string | undefined> = {
    return_code: 'SUCCESS',
    return_msg: 'OK',
    appid: DEMO.appId,
    mch_id: DEMO.mchId,
    device_info: 'WEB',
    nonce_str: 'x7RZqKsz0hVy3tL1',
    result_code: 'SUCCESS',
    openid: 'oFen0000000000000000000000Demo',
    is_subscribe: 'N',
    trade_type: 'JSAPI',
    bank_type: 'CMB_CREDIT',
    total_fee: '1990',
    fee_type: 'CNY',
    cash_fee: '1990',
    coupon_fee: '',
    transaction_id: '4200000000202511010000000001',
    out_trade_no: 'FEN20251101000001',
    attach: '订单 ]]> <备注> & "引号"',
    time_end: '20251101120000',
    ...overrides,
  };
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) clean[k] = v;
  return clean;
}

function signedBody(
  overrides: Record<string, string | undefined> = {},
  signType?: SignType, // default: the fields' sign_type, else MD5
  key: string = DEMO.key,
): string {
  const fields = paymentFields(overrides);
  return toXml({ ...fields, sign: signV2(fields, key, signType) });
}

function errorOf(fn: () => unknown): WxPayError {
  try {
    fn();
  } catch (err) {
    if (isWxPayError(err)) return err;
    throw err;
  }
  throw new Error('expected a WxPayError');
}

function expectNoKey(err: WxPayError, key: string = DEMO.key): void {
  expect(err.message).not.toContain(key);
  expect(JSON.stringify(err.reply ?? {})).not.toContain(key);
  expect(JSON.stringify(err)).not.toContain(key);
}

describe('parsePaymentNotification: genuine notifications', () => {
  it('when a genuinely signed MD5 notification arrives, then its fields come back exactly', () => {
    const fields = parsePaymentNotification(signedBody(), OPTIONS);
    const expected = paymentFields();
    expect(fields).toEqual({ ...expected, sign: signV2(expected, DEMO.key) });
  });

  it('when it arrives as a Buffer, then it is the same', () => {
    expect(parsePaymentNotification(Buffer.from(signedBody()), OPTIONS).total_fee).toBe('1990');
  });

  it('when it is signed with HMAC-SHA256 and says so, then it verifies', () => {
    const body = signedBody({ sign_type: 'HMAC-SHA256' });
    expect(parsePaymentNotification(body, OPTIONS).sign).toHaveLength(64);
  });

  it('when it is HMAC-signed without sign_type, then the signType option decides', () => {
    const body = signedBody({}, 'HMAC-SHA256');
    expect(errorOf(() => parsePaymentNotification(body, OPTIONS)).code).toBe('NOTIFY_SIGN_INVALID');
    expect(
      parsePaymentNotification(body, { ...OPTIONS, signType: 'HMAC-SHA256' }).sign,
    ).toHaveLength(64);
  });

  it('when several appids are ours, then any of them is accepted', () => {
    const other = 'wxfe00000000000002';
    const body = signedBody({ appid: other });
    const options = { appIds: [DEMO.appId, other], mchId: DEMO.mchId, key: DEMO.key };
    expect(parsePaymentNotification(body, options).appid).toBe(other);
  });

  it('when result_code is FAIL, then the genuine notification is returned for the caller to judge', () => {
    const body = signedBody({
      result_code: 'FAIL',
      err_code: 'NOTENOUGH',
      err_code_des: '余额不足',
    });
    expect(parsePaymentNotification(body, OPTIONS)).toMatchObject({ result_code: 'FAIL' });
  });

  const verifyVectors = vectorsOfKind('v2_verify').filter((v) => v.input.xml !== undefined);
  it.each(verifyVectors.map((v) => [v.id, v] as const))(
    'when vector %s arrives as a notification, then it is accepted exactly when its sign is valid',
    (_id, v) => {
      const xml = v.input.xml ?? '';
      const fields = fromXml(xml);
      const options = {
        appId: fields.appid ?? '',
        mchId: fields.mch_id ?? '',
        key: v.input.key ?? '',
      };
      if ((v.expected as unknown as { valid: boolean }).valid) {
        expect(parsePaymentNotification(xml, options).sign).toBe(v.expected.sign);
      } else {
        expect(errorOf(() => parsePaymentNotification(xml, options)).code).toBe(
          'NOTIFY_SIGN_INVALID',
        );
      }
    },
  );
});

describe('parsePaymentNotification: fails closed', () => {
  it('when the sign is missing or empty, then NOTIFY_SIGN_MISSING', () => {
    const unsigned = toXml(paymentFields());
    expect(errorOf(() => parsePaymentNotification(unsigned, OPTIONS)).code).toBe(
      'NOTIFY_SIGN_MISSING',
    );
    const empty = toXml({ ...paymentFields(), sign: '' });
    expect(errorOf(() => parsePaymentNotification(empty, OPTIONS)).code).toBe(
      'NOTIFY_SIGN_MISSING',
    );
  });

  it('when the sign is wrong, then NOTIFY_SIGN_INVALID, naming the canonical string but not the key', () => {
    const err = errorOf(() =>
      parsePaymentNotification(signedBody({}, 'MD5', '0'.repeat(32)), OPTIONS),
    );
    expect(err.code).toBe('NOTIFY_SIGN_INVALID');
    expect(err.kind).toBe('notify');
    expect(err.message).toContain('MD5 over "appid=wxfe00000000000001&attach=');
    expect(err.message).toContain('&key=<APIv2 key>');
    expectNoKey(err);
  });

  it('when any signed field is tampered with after signing, then NOTIFY_SIGN_INVALID', () => {
    const genuine = fromXml(signedBody());
    for (const name of [
      'total_fee',
      'out_trade_no',
      'result_code',
      'openid',
      'attach',
      'time_end',
    ]) {
      const body = toXml({ ...genuine, [name]: `${genuine[name]}1` });
      expect(errorOf(() => parsePaymentNotification(body, OPTIONS)).code, name).toBe(
        'NOTIFY_SIGN_INVALID',
      );
    }
    const added = toXml({ ...genuine, settlement_total_fee: '1' });
    expect(errorOf(() => parsePaymentNotification(added, OPTIONS)).code).toBe(
      'NOTIFY_SIGN_INVALID',
    );
  });

  it('when sign_type is switched or unknown, then NOTIFY_SIGN_INVALID', () => {
    const genuine = fromXml(signedBody());
    for (const signType of ['HMAC-SHA256', 'SHA1']) {
      const body = toXml({ ...genuine, sign_type: signType });
      expect(errorOf(() => parsePaymentNotification(body, OPTIONS)).code).toBe(
        'NOTIFY_SIGN_INVALID',
      );
    }
  });

  it('when the appid is not ours (even genuinely signed), then NOTIFY_APPID_MISMATCH', () => {
    for (const body of [
      signedBody({ appid: 'wxfe00000000000009' }),
      signedBody({ appid: undefined }),
    ]) {
      const err = errorOf(() => parsePaymentNotification(body, OPTIONS));
      expect(err.code).toBe('NOTIFY_APPID_MISMATCH');
      expectNoKey(err);
    }
  });

  it('when the mch_id is not ours (even genuinely signed), then NOTIFY_MCHID_MISMATCH', () => {
    for (const body of [signedBody({ mch_id: '1900000110' }), signedBody({ mch_id: undefined })]) {
      expect(errorOf(() => parsePaymentNotification(body, OPTIONS)).code).toBe(
        'NOTIFY_MCHID_MISMATCH',
      );
    }
  });

  it('when return_code is FAIL, then NOTIFY_RETURN_FAIL carries return_msg', () => {
    const body = toXml({ return_code: 'FAIL', return_msg: '签名失败' });
    const err = errorOf(() => parsePaymentNotification(body, OPTIONS));
    expect(err.code).toBe('NOTIFY_RETURN_FAIL');
    expect(err.returnMsg).toBe('签名失败');
  });

  it.each([
    ['empty', ''],
    ['not XML', 'return_code=SUCCESS&sign=X'],
    ['truncated', signedBody().slice(0, 200)],
    [
      'the wrong root',
      signedBody()
        .replace(/^<xml>/, '<root>')
        .replace(/<\/xml>$/, '</root>'),
    ],
    ['a DOCTYPE', `<!DOCTYPE xml [<!ENTITY a "b">]>${signedBody()}`],
    ['nested', '<xml><return_code><a>SUCCESS</a></return_code></xml>'],
    ['without return_code', toXml({ appid: DEMO.appId })],
    ['over 1 MiB', signedBody({ attach: 'x'.repeat(1024 * 1024) })],
  ])('when the body is %s, then NOTIFY_MALFORMED', (_what, body) => {
    expect(errorOf(() => parsePaymentNotification(body, OPTIONS)).code).toBe('NOTIFY_MALFORMED');
  });

  it('when the body is not text at all, then NOTIFY_MALFORMED, not a crash', () => {
    for (const body of [undefined, null, 42, {}, { xml: {} }]) {
      const err = errorOf(() => parsePaymentNotification(body as unknown as string, OPTIONS));
      expect(err.code).toBe('NOTIFY_MALFORMED');
    }
  });

  it('when random garbage arrives, then every failure is a notify error', () => {
    const genuine = signedBody();
    const inputs: Array<string | Buffer> = [];
    for (let i = 0; i < 200; i += 1) inputs.push(randomBytes(i + 1));
    for (let i = 0; i < genuine.length; i += 7)
      inputs.push(genuine.slice(0, i) + genuine.slice(i + 1));
    for (const input of inputs) {
      const err = errorOf(() => parsePaymentNotification(input, OPTIONS));
      expect(err.kind).toBe('notify');
    }
  });

  it('when maxBytes is lowered, then a larger body is refused', () => {
    expect(
      errorOf(() => parsePaymentNotification(signedBody(), { ...OPTIONS, maxBytes: 100 })).code,
    ).toBe('NOTIFY_MALFORMED');
  });

  it('when the options are wrong, then one config error lists every problem and shows no key', () => {
    const badKey = 'short-api-key';
    const err = errorOf(() =>
      parsePaymentNotification(signedBody(), {
        appId: 'fen',
        mchId: 'x',
        key: badKey,
        signType: 'RSA' as SignType,
        maxBytes: -1,
      }),
    );
    expect(err.kind).toBe('config');
    expect(err.code).toBe('INVALID_OPTIONS');
    for (const part of ['appId', 'mchId', 'key', 'signType', 'maxBytes'])
      expect(err.message).toContain(part);
    expectNoKey(err, badKey);
    expect(
      errorOf(() => parsePaymentNotification(signedBody(), { ...OPTIONS, key: DEMO.secret + '1' }))
        .kind,
    ).toBe('config');
    expect(
      errorOf(() => parsePaymentNotification(signedBody(), undefined as unknown as NotifyOptions))
        .code,
    ).toBe('INVALID_OPTIONS');
  });
});

describe('parseRefundNotification', () => {
  const info = {
    transaction_id: '4200000000202511010000000001',
    out_trade_no: 'FEN20251101000001',
    refund_id: '50000000002025110100000000001',
    out_refund_no: 'FENR1',
    total_fee: '1990',
    refund_fee: '990',
    settlement_refund_fee: '990',
    refund_status: 'SUCCESS',
    success_time: '2025-11-01 12:30:00',
    refund_recv_accout: '支付用户零钱',
    refund_account: 'REFUND_SOURCE_RECHARGE_FUNDS',
    refund_request_source: 'API',
  };
  const envelope = (overrides: Record<string, string> = {}) => ({
    return_code: 'SUCCESS',
    appid: DEMO.appId,
    mch_id: DEMO.mchId,
    nonce_str: 'n0nce',
    req_info: encryptRefundInfo(info, DEMO.key),
    ...overrides,
  });

  it('when a genuine refund notification arrives, then envelope and decrypted info come back', () => {
    const result = parseRefundNotification(toXml(envelope()), OPTIONS);
    expect(result.info).toEqual(info);
    expect(result.envelope).toEqual(envelope());
  });

  const vectors = vectorsOfKind('v2_refund_reqinfo_decrypt').filter(
    (v) => v.input.xml !== undefined,
  );
  it.each(vectors.map((v) => [v.id, v] as const))(
    'when vector %s arrives as a notification, then its fields decrypt',
    (_id, v) => {
      const xml = v.input.xml ?? '';
      const outer = fromXml(xml);
      const options = {
        appId: outer.appid ?? '',
        mchId: outer.mch_id ?? '',
        key: v.input.api_key ?? '',
      };
      expect(parseRefundNotification(xml, options).info).toMatchObject(
        v.expected.fields as unknown as Record<string, string>,
      );
    },
  );

  it('when req_info was encrypted with another key, then REFUND_INFO_DECRYPT_FAILED', () => {
    const body = toXml(envelope({ req_info: encryptRefundInfo(info, '0'.repeat(32)) }));
    const err = errorOf(() => parseRefundNotification(body, OPTIONS));
    expect(err.code).toBe('REFUND_INFO_DECRYPT_FAILED');
    expectNoKey(err);
  });

  it('when req_info is missing or not base64, then it is refused', () => {
    const { req_info: _dropped, ...withoutReqInfo } = envelope();
    expect(errorOf(() => parseRefundNotification(toXml(withoutReqInfo), OPTIONS)).code).toBe(
      'NOTIFY_MALFORMED',
    );
    expect(
      errorOf(() => parseRefundNotification(toXml(envelope({ req_info: '%%%' })), OPTIONS)).code,
    ).toBe('REFUND_INFO_BASE64_INVALID');
  });

  it('when appid or mch_id is not ours, then the matching mismatch error', () => {
    expect(
      errorOf(() =>
        parseRefundNotification(toXml(envelope({ appid: 'wxfe00000000000009' })), OPTIONS),
      ).code,
    ).toBe('NOTIFY_APPID_MISMATCH');
    expect(
      errorOf(() => parseRefundNotification(toXml(envelope({ mch_id: '1' })), OPTIONS)).code,
    ).toBe('NOTIFY_MCHID_MISMATCH');
  });

  it('when return_code is FAIL or the body is garbage, then it is refused', () => {
    expect(
      errorOf(() =>
        parseRefundNotification(toXml({ return_code: 'FAIL', return_msg: 'x' }), OPTIONS),
      ).code,
    ).toBe('NOTIFY_RETURN_FAIL');
    expect(errorOf(() => parseRefundNotification('<xml><a>', OPTIONS)).code).toBe(
      'NOTIFY_MALFORMED',
    );
  });
});

describe('notifyReply', () => {
  it('when the reason is long and full of emoji, then it is cut at 128 characters and stays valid UTF-8', () => {
    const reply = notifyReply(false, '💰'.repeat(200) + '\uD800');
    const msg = fromXml(reply).return_msg!;
    expect(Array.from(msg)).toHaveLength(128);
    expect(msg).toBe('💰'.repeat(128));
    expect(Buffer.from(reply, 'utf8').toString('utf8')).toBe(reply);
    expect(fromXml(notifyReply(false, 'a\uDC00b')).return_msg).toBe('a\uFFFDb');
  });

  it('when the notification was handled, then SUCCESS/OK exactly as WeChat expects', () => {
    expect(notifyReply(true)).toBe(
      '<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>',
    );
  });

  it('when it was not, then FAIL with the reason, readable back', () => {
    expect(fromXml(notifyReply(false, '订单金额不符 ]]>'))).toEqual({
      return_code: 'FAIL',
      return_msg: '订单金额不符 ]]>',
    });
    expect(fromXml(notifyReply(false))).toEqual({ return_code: 'FAIL', return_msg: 'FAIL' });
  });

  it('when the reason holds control characters or is long, then the reply is still valid XML', () => {
    const reply = fromXml(notifyReply(false, `bad\u0000input ${'x'.repeat(500)}`));
    expect(reply.return_msg).toMatch(/^bad input x+$/);
    expect(reply.return_msg).toHaveLength(128);
  });
});
