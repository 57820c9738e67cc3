import { describe, expect, it } from 'vitest';
import { downloadFundFlowBill } from '../src/wechat/fund-flow-bill.js';

// The fund-flow bill (资金账单) as WeChat's sample writes it, read whole and summed in fen.
const bill = (amountHeader: string) =>
  [
    `\uFEFF记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,${amountHeader},账户结余(元),资金变更提交申请人,备注,业务凭证号`,
    '`2018-02-01 04:21:23,`50000305742018020103387128253,`1900009231201802015884652186,`退款,`退款,`支出,`0.02,`0.17,`system,`缺货,`REF4200000068201801293084726067',
    '`2018-02-01 10:00:00,`4200000068201801293084726067,`1900009231201802015884652187,`交易,`交易,`收入,`19.90,`20.07,`system,`,`4200000068201801293084726067',
    '资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额',
    '`2.0,`1.0,`19.90,`1.0,`0.02',
  ].join('\r\n');

const downloaded = (text: string) => downloadFundFlowBill(async () => text);

describe('the fund-flow bill', () => {
  it('when rows are income and expense, then each is summed in fen, with either parentheses', async () => {
    for (const header of ['收支金额(元)', '收支金额（元）']) {
      expect(await downloaded(bill(header))).toEqual({
        state: 'downloaded',
        incomeFen: 1990,
        expenseFen: 2,
      });
    }
  });

  it('when a row does not fit the header, then the bill is unreadable', async () => {
    await expect(
      downloaded(bill('收支金额(元)').replace('`system,`缺货,', '`system,')),
    ).rejects.toMatchObject({ code: 'BILL_MALFORMED' });
  });

  it('when WeChat has none, then no-bill; any other failure is thrown', async () => {
    const none = Object.assign(new Error('No Bill Exist'), { code: 'NO_STATEMENT_EXIST' });
    expect(await downloadFundFlowBill(() => Promise.reject(none))).toEqual({ state: 'no-bill' });
    await expect(downloadFundFlowBill(() => Promise.reject(new Error('timeout')))).rejects.toThrow(
      'timeout',
    );
  });
});
