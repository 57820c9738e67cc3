import { parseBill } from '@fen/wxpay';
import { describe, expect, it } from 'vitest';
import {
  beijingDate,
  beijingDayRange,
  beijingHour,
  beijingYesterday,
} from '../src/services/beijing-day.js';
import { mergeTradeBills, tradeBillRows } from '../src/wechat/trade-bill.js';

// A trade bill (ALL) as WeChat writes it (docs/merchant-ops.md): read by column name into fen,
// every row checked before any is returned.
const HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
const SUMMARY =
  '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n`2,`19.90,`5.00,`0.00,`0.09000,`19.90,`5.00';
const row = (cells: string[]) => cells.map((c) => `\`${c}`).join(',');
const PAYMENT = row([
  '2026-12-07 12:00:00',
  'wxapp',
  '1900000109',
  '0',
  '',
  '4200000001',
  'FEN1',
  'o1',
  'JSAPI',
  'SUCCESS',
  'OTHERS',
  'CNY',
  '19.90',
  '0.00',
  '0',
  '0',
  '0.00',
  '0.00',
  '',
  '',
  '茶杯, 大号',
  '',
  '0.12000',
  '0.60%',
  '19.90',
  '0.00',
  '',
]);
const REFUND = row([
  '2026-12-07 13:00:00',
  'wxapp',
  '1900000109',
  '0',
  '',
  '4200000001',
  'FEN1',
  'o1',
  'JSAPI',
  'REFUND',
  'OTHERS',
  'CNY',
  '0.00',
  '0.00',
  '5000001',
  'R1',
  '5.00',
  '0.00',
  'ORIGINAL',
  'SUCCESS',
  '茶杯, 大号',
  '',
  '-0.03000',
  '0.60%',
  '0.00',
  '5.00',
  '',
]);
const bill = (...rows: string[]) => parseBill(['\uFEFF' + HEADER, ...rows, SUMMARY].join('\r\n'));

describe('trade bill rows', () => {
  it('when a bill has a payment and a refund, then both are read in fen', () => {
    expect(tradeBillRows(bill(PAYMENT, REFUND))).toEqual({
      payments: [
        {
          outTradeNo: 'FEN1',
          transactionId: '4200000001',
          totalFen: 1990,
          settledFen: 1990,
          feeFen: 12,
        },
      ],
      refunds: [
        {
          outTradeNo: 'FEN1',
          transactionId: '4200000001',
          outRefundNo: 'R1',
          refundId: '5000001',
          requestedFen: 500,
          refundedFen: 500,
          state: 'SUCCESS',
          feeFen: -3,
        },
      ],
    });
  });

  it('when a later row has an amount that is not fen, then the whole bill is unreadable', () => {
    const bad = REFUND.replace('`5.00,`0.00,`ORIGINAL', '`5.001,`0.00,`ORIGINAL');
    expect(() => tradeBillRows(bill(PAYMENT, bad))).toThrow(
      expect.objectContaining({ code: 'BILL_MALFORMED' }),
    );
  });

  it('when a row has a 交易状态 WeChat does not write, then the bill is unreadable', () => {
    expect(() => tradeBillRows(bill(PAYMENT.replace('`SUCCESS', '`PAID')))).toThrow(/交易状态/);
  });

  it('when the bills of two appids repeat a row, then it is kept once', () => {
    const rows = { exists: true as const, ...tradeBillRows(bill(PAYMENT, REFUND)) };
    const merged = mergeTradeBills([rows, { exists: false }, rows]);
    expect(merged).toMatchObject({ exists: true });
    expect(merged.exists && [merged.payments.length, merged.refunds.length]).toEqual([1, 1]);
    expect(mergeTradeBills([{ exists: false }, { exists: false }])).toEqual({ exists: false });
  });
});

describe('Beijing days', () => {
  it('when it is 17:00 UTC, then it is 01:00 the next day in Beijing', () => {
    const at = new Date('2026-12-07T17:00:00Z');
    expect([beijingDate(at), beijingHour(at), beijingYesterday(at)]).toEqual([
      '2026-12-08',
      1,
      '2026-12-07',
    ]);
    expect(beijingDayRange('2026-12-08')?.from.toISOString()).toBe('2026-12-07T16:00:00.000Z');
  });

  it('when a date is not on the calendar, then it has no range', () => {
    for (const bad of ['2026-02-30', '2026-13-01', '20261208', '2026-1-01'])
      expect(beijingDayRange(bad), bad).toBeUndefined();
  });
});
