import { WxPayV3ApiError, wxPayError } from '@fen/wxpay';
import { describe, expect, it } from 'vitest';
import { WeChatFailure } from '../src/wechat/failure.js';
import {
  rfc3339ToDate,
  v3Failure,
  v3Payment,
  v3PaymentRecord,
  v3PrepayAttempt,
  v3PrepayRequest,
  v3Refund,
  v3RefundRecord,
  v3RefundRequest,
  wxTimeToRfc3339,
} from '../src/wechat/v3-mapping.js';

// The APIv3 ↔ server mapping the v3 gateway relies on; the e2e-v3 project shows the same against
// the sandbox.
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

describe("replies in the server's terms", () => {
  const paid = {
    appid: APPID,
    mchid: '1900000109',
    out_trade_no: 'FEN20261201000001',
    transaction_id: '4200000001202612011234567890',
    trade_state: 'SUCCESS',
    trade_type: 'JSAPI',
    success_time: '2026-12-01T12:05:09+08:00',
    payer: { openid: 'o-buyer' },
    amount: { total: 1980, payer_total: 1980, currency: 'CNY' },
  };

  it('when a paid transaction is mapped, then it is PAID with the transaction id, the amount in fen and the payment time', () => {
    expect(v3Payment(paid)).toEqual({
      outTradeNo: 'FEN20261201000001',
      state: 'PAID',
      transactionId: '4200000001202612011234567890',
      totalFen: 1980,
      paidAt: new Date('2026-12-01T04:05:09Z'),
    });
  });

  it('when success_time is in UTC, then it is the same instant, and time_expire is sent in Beijing time', () => {
    expect(rfc3339ToDate('2026-12-01T04:05:09Z')).toEqual(
      rfc3339ToDate('2026-12-01T12:05:09+08:00'),
    );
    expect(wxTimeToRfc3339('20261201120509')).toBe('2026-12-01T12:05:09+08:00');
  });

  it('when an unpaid transaction is mapped, then it is NOT_PAID with no transaction id or payment time', () => {
    const payment = v3Payment({
      appid: APPID,
      mchid: '1900000109',
      out_trade_no: 'FEN1',
      trade_state: 'NOTPAY',
    });
    expect(payment).toEqual({ outTradeNo: 'FEN1', state: 'NOT_PAID' });
  });

  it('when a stored payment event is written, then it keeps the fields events have always held (amount, Beijing time_end) and no invented result code', () => {
    const record = v3PaymentRecord(paid, 'notification-1');
    expect(record).toMatchObject({
      total_fee: '1980',
      transaction_id: '4200000001202612011234567890',
      trade_state: 'SUCCESS',
      time_end: '20261201120509',
    });
    expect(record).not.toHaveProperty('result_code');
    expect(record).not.toHaveProperty('return_code');
  });

  it('when Native and H5 replies carry no prepay_id, then the attempt is named by its code_url or the prepay_id in h5_url', () => {
    expect(v3PrepayAttempt({ code_url: 'weixin://wxpay/bizpayurl?pr=abc' })).toEqual({
      prepayId: 'weixin://wxpay/bizpayurl?pr=abc',
      codeUrl: 'weixin://wxpay/bizpayurl?pr=abc',
    });
    const h5 = v3PrepayAttempt({ h5_url: 'https://wx.example/checkmweb?prepay_id=wx01&x=1' });
    expect(h5).toEqual({ prepayId: 'wx01', mwebUrl: expect.stringContaining('wx01') });
  });

  it('when refund statuses are mapped, then CLOSED is REFUNDCLOSE and ABNORMAL is CHANGE, with the amount in fen', () => {
    const refund = {
      refund_id: '50300000012026120100000000001',
      out_refund_no: 'R1',
      transaction_id: '42000',
      out_trade_no: 'FEN1',
      amount: { total: 1980, refund: 500, payer_refund: 500 },
    };
    expect(v3Refund({ ...refund, status: 'CLOSED' }).state).toBe('REFUNDCLOSE');
    expect(v3Refund({ ...refund, refund_status: 'ABNORMAL' }).state).toBe('CHANGE');
    expect(v3Refund({ ...refund, status: 'PROCESSING' })).toEqual({
      outRefundNo: 'R1',
      outTradeNo: 'FEN1',
      refundId: refund.refund_id,
      transactionId: '42000',
      state: 'PROCESSING',
      refundFen: 500,
    });
    expect(v3RefundRecord({ ...refund, refund_status: 'SUCCESS' })).toMatchObject({
      refund_status: 'SUCCESS',
      refund_fee: '500',
    });
    expect(Object.keys(v3RefundRecord(refund)).some((name) => /_\d+$/.test(name))).toBe(false);
  });

  it('when a refund is asked for, then the v3 body has the amounts in fen and the reason', () => {
    expect(
      v3RefundRequest({
        outTradeNo: 'FEN1',
        outRefundNo: 'R1',
        totalFen: 1980,
        refundFen: 500,
        reason: 'broken cup',
        notifyUrl: 'https://shop.example/wxpay/v3/refund-notify',
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

describe('v3Failure', () => {
  const apiError = (status: number, code?: string) =>
    new WxPayV3ApiError({
      label: 'GET /v3/x',
      status,
      body: code ? { code, message: 'm' } : {},
      signatureVerified: true,
    });

  it('when APIv3 names a condition its own way, then the services get one reason for it', () => {
    for (const [status, v3Code, reason] of [
      [404, 'ORDER_NOT_EXIST', 'ORDER_NOT_FOUND'],
      [400, 'ORDER_CLOSED', 'ORDER_CLOSED'],
      [400, 'ORDERPAID', 'ORDER_PAID'],
      [500, 'SYSTEM_ERROR', 'BUSY'],
      [502, undefined, 'BUSY'],
      [403, 'NOT_ENOUGH', 'NOT_ENOUGH'],
      [400, 'PARAM_ERROR', 'REFUSED'],
    ] as const) {
      const mapped = v3Failure(apiError(status, v3Code));
      expect(mapped).toBeInstanceOf(WeChatFailure);
      expect((mapped as WeChatFailure).reason).toBe(reason);
    }
    const missing = v3Failure(apiError(404, 'RESOURCE_NOT_EXISTS'), 'REFUND_NOT_FOUND');
    expect((missing as WeChatFailure).reason).toBe('REFUND_NOT_FOUND');
  });

  it('when the failure is not an APIv3 API error, then it passes through unchanged', () => {
    const other = new Error('socket hang up');
    expect(v3Failure(other)).toBe(other);
    const transport = wxPayError('transport', 'TIMEOUT', 'timed out');
    expect(v3Failure(transport)).toBe(transport);
  });
});
