import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFundFlowBill, parseTradeBill } from '../src/bill-rows.js';
import { parseBill, parseFundFlowReply } from '../src/bill.js';

const TRADE = readFileSync(new URL('./fixtures/bill-all.txt', import.meta.url), 'utf8');
const FUND = readFileSync(new URL('./fixtures/fundflow-basic.txt', import.meta.url), 'utf8');

describe('parseTradeBill', () => {
  it('when given the ALL bill, then payments and refunds come back with every amount in fen', () => {
    const bill = parseTradeBill(TRADE);
    expect(bill.rows).toHaveLength(3);
    const [payment, refund, withCommas] = bill.rows;
    expect(payment).toMatchObject({
      tradeTime: '2025-01-14 10:12:31',
      appId: 'wxfe00000000000001',
      mchId: '1900000109',
      transactionId: '4200002500202501148123456789',
      outTradeNo: 'FEN20250114101230ABCD',
      tradeState: 'SUCCESS',
      settlementTotalFen: 1990,
      couponFen: 0,
      totalFen: 1990,
      feeFen: 12,
      feeRate: '0.60%',
    });
    expect(payment!.refund).toBeUndefined();
    expect(refund).toMatchObject({
      tradeState: 'REFUND',
      settlementTotalFen: 0,
      totalFen: 0,
      feeFen: -12,
      refund: {
        refundId: '50300002512025011412345678901',
        outRefundNo: 'RFD20250114154000EFGH',
        refundFen: 1990,
        requestedRefundFen: 1990,
        status: 'SUCCESS',
        type: 'ORIGINAL',
      },
    });
    expect(withCommas).toMatchObject({
      body: '茶杯, 大号',
      attach: 'gift=1,wrap=0',
      totalFen: 990,
    });
    expect(bill.summary).toEqual({
      count: 3,
      settlementTotalFen: 2980,
      refundFen: 1990,
      feeFen: 6,
      totalFen: 2980,
      requestedRefundFen: 1990,
    });
    // The same from an already parsed table (what PayClient.downloadBill returns).
    expect(parseTradeBill(parseBill(TRADE))).toEqual(bill);
  });

  it('when the summary count is printed as 3.0, then it is still 3', () => {
    const text = TRADE.replace('`3,`29.80', '`3.0,`29.80');
    expect(parseTradeBill(text).summary.count).toBe(3);
  });

  it('when an amount is not whole fen or a column is missing, then BILL_MALFORMED and no rows', () => {
    const bad = TRADE.replace('`9.90,`0.00,`0,`0', '`9.905,`0.00,`0,`0');
    expect(() => parseTradeBill(bad)).toThrow(/row 3: 应结订单金额 "9.905" is not a yuan amount/);
    const old = TRADE.replace(',订单金额,', ',总金额,');
    expect(() => parseTradeBill(old)).toThrow(
      expect.objectContaining({
        code: 'BILL_MALFORMED',
        message: expect.stringContaining('订单金额'),
      }),
    );
  });
});

describe('parseFundFlowBill', () => {
  it("when given WeChat's documented sample, then the refund row and the summary in fen", () => {
    const bill = parseFundFlowBill(FUND);
    expect(bill.rows).toEqual([
      expect.objectContaining({
        time: '2018-02-01 04:21:23',
        businessNo: '50000305742018020103387128253',
        flowNo: '1900009231201802015884652186',
        businessName: '退款',
        businessType: '退款',
        direction: 'expense',
        amountFen: 2,
        balanceFen: 17,
        submitter: 'system',
        note: '缺货',
        voucherNo: 'REF4200000068201801293084726067',
      }),
    ]);
    expect(bill.summary).toEqual({
      count: 20,
      incomeCount: 17,
      incomeFen: 35,
      expenseCount: 3,
      expenseFen: 18,
    });
  });

  it('when the header uses full-width parentheses, then the amounts are still found', () => {
    const fullWidth = FUND.replace('收支金额(元),账户结余(元)', '收支金额（元）,账户结余（元）');
    expect(parseFundFlowBill(fullWidth).rows[0]).toMatchObject({ amountFen: 2, balanceFen: 17 });
  });

  it('when 收支类型 is neither 收入 nor 支出, then BILL_MALFORMED', () => {
    expect(() => parseFundFlowBill(FUND.replace('`支出', '`其他'))).toThrow(
      expect.objectContaining({ code: 'BILL_MALFORMED' }),
    );
  });
});

describe('parseFundFlowReply', () => {
  it('when WeChat answers in XML, then BILL_NOT_FOUND for no bill and RETURN_FAIL with err_code otherwise', () => {
    const xml = (fields: string) => `<xml><return_code>FAIL</return_code>${fields}</xml>`;
    expect(() =>
      parseFundFlowReply(
        xml('<return_msg>No Bill Exist</return_msg><err_code>NO_BILL_EXIST</err_code>'),
      ),
    ).toThrow(expect.objectContaining({ kind: 'protocol', code: 'BILL_NOT_FOUND' }));
    expect(() =>
      parseFundFlowReply(
        xml('<return_msg>Bill Creating</return_msg><err_code>BILL_CREATING</err_code>'),
      ),
    ).toThrow(
      expect.objectContaining({
        code: 'RETURN_FAIL',
        returnMsg: 'Bill Creating',
        errCode: 'BILL_CREATING',
      }),
    );
    expect(parseFundFlowReply(Buffer.from(FUND, 'utf8')).rows).toHaveLength(1);
  });
});
