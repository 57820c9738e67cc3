import { parseFundFlowBill } from '@fen/wxpay';
import type { ParsedBill } from '@fen/wxpay';

/** A day's fund-flow bill (资金账单, basic account) summed up, or why there is none. */
export type FundFlowBill =
  { state: 'downloaded'; incomeFen: number; expenseFen: number } | { state: 'no-bill' };

/** WeChat's words for "no fund-flow bill that day" (APIv2 error code, APIv3 code). */
const NO_BILL = new Set(['BILL_NOT_FOUND', 'NO_BILL_EXIST', 'NO_STATEMENT_EXIST']);

/**
 * The day's fund-flow bill, summed in fen. `download` is the gateway's pay client call (APIv2
 * `downloadfundflow` over mutual TLS, APIv3 `fundflowbill` with its hash checked); every row is
 * read (`parseFundFlowBill`) before anything is summed, so an unreadable bill is an error.
 */
export async function downloadFundFlowBill(
  download: () => Promise<string | ParsedBill>,
): Promise<FundFlowBill> {
  let bill: string | ParsedBill;
  try {
    bill = await download();
  } catch (err) {
    if (NO_BILL.has(String((err as { code?: unknown }).code))) return { state: 'no-bill' };
    throw err;
  }
  const { summary } = parseFundFlowBill(bill);
  return { state: 'downloaded', incomeFen: summary.incomeFen, expenseFen: summary.expenseFen };
}
