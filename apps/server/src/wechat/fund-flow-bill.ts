import { billYuanToFen } from '@fen/wxpay';
import type { ParsedBill } from '@fen/wxpay';

/** A day's fund-flow bill (资金账单, basic account) summed up, or why there is none. */
export type FundFlowBill =
  | { state: 'downloaded'; incomeFen: number; expenseFen: number }
  | { state: 'no-bill' }
  | { state: 'not-available'; detail: string };

/**
 * Downloads the day's fund-flow bill (`YYYY-MM-DD`). This is the one place the fund-flow
 * download lives: until the pay clients have a fund-flow method (v2 `downloadfundflow`, v3
 * `fundflowbill`), it answers `not-available`, and the report says so. To wire it: call the
 * client, map "No Bill Exist" / `NO_STATEMENT_EXIST` to `no-bill`, and sum the parsed bill with
 * {@link fundFlowSums}.
 */
export async function downloadFundFlowBill(_date: string): Promise<FundFlowBill> {
  return {
    state: 'not-available',
    detail: 'the fund-flow bill download is not wired yet',
  };
}

/**
 * The income and expense of a parsed fund-flow bill, read from its rows' 收支类型 and
 * 收支金额(元) (the header's parentheses are full-width in some copies: both are read).
 */
export function fundFlowSums(bill: ParsedBill): { incomeFen: number; expenseFen: number } {
  let incomeFen = 0;
  let expenseFen = 0;
  for (const row of bill.rows) {
    const amount = row['收支金额(元)'] ?? row['收支金额（元）'];
    if (amount === undefined) continue;
    if (row['收支类型'] === '收入') incomeFen += billYuanToFen(amount);
    if (row['收支类型'] === '支出') expenseFen += billYuanToFen(amount);
  }
  return { incomeFen, expenseFen };
}
