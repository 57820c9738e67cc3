import { WxPayV3ApiError, isWxPayError } from '@fen/wxpay';
import { describe, expect, it } from 'vitest';
import {
  asBusinessError,
  prepayReplyFields,
  refundFields,
  refundQueryFields,
  rfc3339ToWxTime,
  transactionFields,
  v3PrepayRequest,
  v3RefundRequest,
  wxTimeToRfc3339,
} from '../src/wechat/v3-fields.js';

// The APIv2 ↔ APIv3 field mapping the v3 gateway relies on; the e2e-v3 project shows the same
// against the sandbox.
const stored = {
  nonce_str: 'n0nce',
  body: 'Fen-Jasmine tea',
  out_trade_no: 'FEN20261201000001',
  total_fee: '1980',
  spbill_create_ip: '203.0.113.7',
  notify_url: 'https://shop.example/wxpay/v3/notify',
  time_start: '20261201120000',
  time_expire: '20261201123000',
};
const APPID = 'wxfe00000000000001';

describe('v3PrepayRequest', () => {
  it('when the stored trade_type is JSAPI, then the jsapi body carries payer.openid, amount in fen and time_expire in RFC 3339', () => {
    const { kind, body } = v3PrepayRequest(
      { ...stored, trade_type: 'JSAPI', openid: 'o-buyer' },
      APPID,
    );
    expect(kind).toBe('jsapi');
    expect(body).toEqual({
      appid: APPID,
      description: 'Fen-Jasmine tea',
      out_trade_no: 'FEN20261201000001',
      notify_url: 'https://shop.example/wxpay/v3/notify',
      amount: { total: 1980, currency: 'CNY' },
      time_expire: '2026-12-01T12:30:00+08:00',
      scene_info: { payer_client_ip: '203.0.113.7' },
      payer: { openid: 'o-buyer' },
    });
  });

  it("when the stored trade_type is MWEB, then the h5 body names the site as APIv3's h5_info", () => {
    const scene = { h5_info: { type: 'Wap', wap_url: 'https://shop.example', wap_name: 'Fen' } };
    const { kind, body } = v3PrepayRequest(
      { ...stored, trade_type: 'MWEB', scene_info: JSON.stringify(scene) },
      APPID,
    );
    expect(kind).toBe('h5');
    expect(body.scene_info).toEqual({
      payer_client_ip: '203.0.113.7',
      h5_info: { type: 'Wap', app_name: 'Fen', app_url: 'https://shop.example' },
    });
  });

  it('when the stored trade_type is NATIVE or APP, then no payer is sent and product_id is dropped', () => {
    for (const [tradeType, kind] of [
      ['NATIVE', 'native'],
      ['APP', 'app'],
    ] as const) {
      const request = v3PrepayRequest(
        { ...stored, trade_type: tradeType, product_id: 'tea' },
        APPID,
      );
      expect(request.kind).toBe(kind);
      expect(request.body).not.toHaveProperty('payer');
      expect(request.body).not.toHaveProperty('product_id');
    }
  });

  it('when the same stored fields are mapped twice, then the bodies are identical (a re-entry is the same order)', () => {
    const fields = { ...stored, trade_type: 'JSAPI', openid: 'o-buyer' };
    expect(v3PrepayRequest(fields, APPID)).toEqual(v3PrepayRequest({ ...fields }, APPID));
  });

  it('when the trade_type is unknown, then it is refused before anything is sent', () => {
    expect(() => v3PrepayRequest({ ...stored, trade_type: 'MICROPAY' }, APPID)).toThrow(
      /no APIv3 prepay/,
    );
  });
});

describe('replies under APIv2 names', () => {
  it('when a paid transaction is mapped, then total_fee, transaction_id and time_end (Beijing) are what orderquery would say', () => {
    expect(
      transactionFields({
        appid: APPID,
        mchid: '1900000109',
        out_trade_no: 'FEN20261201000001',
        transaction_id: '4200000001202612011234567890',
        trade_state: 'SUCCESS',
        trade_type: 'JSAPI',
        success_time: '2026-12-01T12:05:09+08:00',
        payer: { openid: 'o-buyer' },
        amount: { total: 1980, payer_total: 1980, currency: 'CNY' },
      }),
    ).toMatchObject({
      result_code: 'SUCCESS',
      mch_id: '1900000109',
      trade_state: 'SUCCESS',
      transaction_id: '4200000001202612011234567890',
      total_fee: '1980',
      cash_fee: '1980',
      openid: 'o-buyer',
      time_end: '20261201120509',
    });
  });

  it('when success_time is in UTC, then time_end is still Beijing time', () => {
    expect(rfc3339ToWxTime('2026-12-01T04:05:09Z')).toBe('20261201120509');
    expect(wxTimeToRfc3339('20261201120509')).toBe('2026-12-01T12:05:09+08:00');
  });

  it('when an unpaid transaction is mapped, then no transaction_id or time_end appears', () => {
    const fields = transactionFields({
      appid: APPID,
      mchid: '1900000109',
      out_trade_no: 'FEN1',
      trade_state: 'NOTPAY',
    });
    expect(fields).not.toHaveProperty('transaction_id');
    expect(fields).not.toHaveProperty('time_end');
    expect(fields.trade_state).toBe('NOTPAY');
  });

  it('when Native and H5 replies carry no prepay_id, then the attempt is named by its code_url or the prepay_id in h5_url', () => {
    expect(prepayReplyFields('native', { code_url: 'weixin://wxpay/bizpayurl?pr=abc' })).toEqual({
      return_code: 'SUCCESS',
      result_code: 'SUCCESS',
      trade_type: 'NATIVE',
      prepay_id: 'weixin://wxpay/bizpayurl?pr=abc',
      code_url: 'weixin://wxpay/bizpayurl?pr=abc',
    });
    const h5 = prepayReplyFields('h5', {
      h5_url: 'https://wx.example/checkmweb?prepay_id=wx01&x=1',
    });
    expect(h5).toMatchObject({ prepay_id: 'wx01', mweb_url: expect.stringContaining('wx01') });
  });

  it("when refund statuses are mapped, then they read as APIv2's (CLOSED → REFUNDCLOSE, ABNORMAL → CHANGE)", () => {
    const refund = {
      refund_id: '50300000012026120100000000001',
      out_refund_no: 'R1',
      transaction_id: '42000',
      out_trade_no: 'FEN1',
      amount: { total: 1980, refund: 500, payer_refund: 500 },
    };
    expect(refundFields({ ...refund, status: 'CLOSED' }).refund_status).toBe('REFUNDCLOSE');
    expect(refundFields({ ...refund, refund_status: 'ABNORMAL' }).refund_status).toBe('CHANGE');
    expect(refundFields({ ...refund, status: 'SUCCESS' })).toMatchObject({
      refund_fee: '500',
      total_fee: '1980',
    });
    expect(refundQueryFields({ ...refund, status: 'PROCESSING' })).toMatchObject({
      refund_count: '1',
      out_refund_no_0: 'R1',
      refund_status_0: 'PROCESSING',
      refund_id_0: refund.refund_id,
    });
  });

  it('when a refund is asked for, then the v3 body has the amounts in fen and the reason', () => {
    expect(
      v3RefundRequest({
        out_trade_no: 'FEN1',
        out_refund_no: 'R1',
        total_fee: '1980',
        refund_fee: '500',
        refund_desc: 'broken cup',
        notify_url: 'https://shop.example/wxpay/v3/refund-notify',
      }),
    ).toEqual({
      out_trade_no: 'FEN1',
      out_refund_no: 'R1',
      reason: 'broken cup',
      notify_url: 'https://shop.example/wxpay/v3/refund-notify',
      amount: { refund: 500, total: 1980, currency: 'CNY' },
    });
  });
});

describe('asBusinessError', () => {
  const apiError = (status: number, code?: string) =>
    new WxPayV3ApiError({
      label: 'GET /v3/x',
      status,
      body: code ? { code, message: 'm' } : {},
      signatureVerified: true,
    });

  it("when APIv3 names a condition its own way, then the services see APIv2's err_code as a business error", () => {
    for (const [status, v3Code, v2Code] of [
      [404, 'ORDER_NOT_EXIST', 'ORDERNOTEXIST'],
      [400, 'ORDER_CLOSED', 'ORDERCLOSED'],
      [400, 'ORDERPAID', 'ORDERPAID'],
      [500, 'SYSTEM_ERROR', 'SYSTEMERROR'],
      [502, undefined, 'SYSTEMERROR'],
      [403, 'NOT_ENOUGH', 'NOTENOUGH'],
    ] as const) {
      const mapped = asBusinessError(apiError(status, v3Code));
      expect(isWxPayError(mapped) && mapped.kind).toBe('business');
      expect(isWxPayError(mapped) && mapped.code).toBe(v2Code);
    }
    expect(
      isWxPayError(
        asBusinessError(apiError(404, 'RESOURCE_NOT_EXISTS'), 'REFUNDNOTEXIST'),
        'REFUNDNOTEXIST',
      ),
    ).toBe(true);
  });

  it('when the failure is not an APIv3 API error, then it passes through unchanged', () => {
    const other = new Error('socket hang up');
    expect(asBusinessError(other)).toBe(other);
  });
});
