import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { billYuanToFen, parseBill } from '../src/bill.js';

const BILL = readFileSync(new URL('./fixtures/bill-all.txt', import.meta.url), 'utf8');

describe('parseBill', () => {
  it('when given the ALL bill, then the BOM is gone, backticks are stripped and commas inside values survive', () => {
    const bill = parseBill(BILL);
    expect(bill.header[0]).toBe('交易时间');
    expect(bill.header).toHaveLength(27);
    expect(bill.rows[0]).toMatchObject({
      交易时间: '2025-01-14 10:12:31',
      商户订单号: 'FEN20250114101230ABCD',
      应结订单金额: '19.90',
      费率: '0.60%',
    });
    expect(bill.rows[2]).toMatchObject({ 商品名称: '茶杯, 大号', 商户数据包: 'gift=1,wrap=0' });
    expect(bill.summary).toEqual({
      总交易单数: '3',
      应结订单总金额: '29.80',
      退款总金额: '19.90',
      充值券退款总金额: '0.00',
      手续费总金额: '0.06000',
      订单总金额: '29.80',
      申请退款总金额: '19.90',
    });
  });

  it('when the text is not a bill, or a row has too few values, then a BILL_FORMAT error', () => {
    expect(() => parseBill('<xml></xml>')).toThrow(
      expect.objectContaining({ code: 'BILL_MALFORMED' }),
    );
    const cut = BILL.replace('`19.90,`0.00,`\r\n', '`19.90\r\n');
    expect(() => parseBill(cut)).toThrow(/line 2 has 25 values for 27 columns/);
  });
});

describe('billYuanToFen', () => {
  it.each([
    ['19.90', 1990],
    ['0.00', 0],
    ['-0.12000', -12],
    ['29.8', 2980],
    ['7', 700],
    ['0.06000', 6],
  ])('when the bill says %s yuan, then it is %d fen, with no float in between', (yuan, fen) => {
    expect(billYuanToFen(yuan)).toBe(fen);
  });

  it('when the amount has a part below the fen or is not a number, then it is refused', () => {
    for (const bad of ['0.125', '1e3', '', '19,90', '¥1.00']) {
      expect(() => billYuanToFen(bad)).toThrow(expect.objectContaining({ code: 'BILL_MALFORMED' }));
    }
  });
});
