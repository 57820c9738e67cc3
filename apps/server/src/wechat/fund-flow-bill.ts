import { billYuanToFen, wxPayError } from '@fen/wxpay';

/** A day's fund-flow bill (资金账单, basic account) summed up, or why there is none. */
export type FundFlowBill =
  | { state: 'downloaded'; incomeFen: number; expenseFen: number }
  | { state: 'no-bill' }
  | { state: 'not-available'; detail: string };

/** WeChat's words for "no fund-flow bill that day" (APIv2 return_msg/err_code, APIv3 code). */
const NO_BILL = new Set(['BILL_NOT_FOUND', 'NO_BILL_EXIST', 'NO_STATEMENT_EXIST']);

/**
 * The day's fund-flow bill, summed. The one place the fund-flow download is wired: each gateway
 * passes `fetchText`, its pay client's download (APIv2 `downloadfundflow`, APIv3
 * `fundflowbill` with its hash checked) giving the bill's text. Until the clients have one, the
 * gateways pass nothing and the report says `not-available`.
 */
export async function downloadFundFlowBill(
  fetchText?: () => Promise<string>,
): Promise<FundFlowBill> {
  if (!fetchText) {
    return { state: 'not-available', detail: 'the fund-flow bill download is not wired yet' };
  }
  let text: string;
  try {
    text = await fetchText();
  } catch (err) {
    if (NO_BILL.has(String((err as { code?: unknown }).code))) return { state: 'no-bill' };
    throw err;
  }
  return { state: 'downloaded', ...fundFlowSums(text) };
}

/**
 * The income and expense of a fund-flow bill as downloaded (text, after unzipping), from its
 * rows' 收支类型 and 收支金额(元) (full-width parentheses in some copies: both are read). Kept
 * minimal until `@fen/wxpay` parses fund-flow bills: a header, backtick rows, then the summary
 * from `资金流水总笔数` on.
 */
export function fundFlowSums(text: string): { incomeFen: number; expenseFen: number } {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '');
  const header = (lines[0] ?? '').split(',');
  const kind = header.indexOf('收支类型');
  const amount = header.findIndex((name) => /^收支金额[(（]元[)）]$/.test(name));
  const summaryAt = lines.findIndex((line) => line.startsWith('资金流水总笔数'));
  if (kind < 0 || amount < 0 || summaryAt < 1) {
    throw wxPayError('protocol', 'BILL_MALFORMED', 'fund-flow bill: not a fund-flow bill table');
  }
  let incomeFen = 0;
  let expenseFen = 0;
  for (const line of lines.slice(1, summaryAt)) {
    const values = line.startsWith('`') ? line.slice(1).split(',`') : [];
    if (values.length !== header.length) {
      throw wxPayError('protocol', 'BILL_MALFORMED', 'fund-flow bill: a row does not fit');
    }
    if (values[kind] === '收入') incomeFen += billYuanToFen(values[amount]!);
    if (values[kind] === '支出') expenseFen += billYuanToFen(values[amount]!);
  }
  return { incomeFen, expenseFen };
}
