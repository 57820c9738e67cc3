import { downloadV3Bill } from './bill-download.js';
import { checkBillDate, checkTarType } from './trade-bill.js';
import type { V3Transport } from './transport.js';
import type { V3FundFlowBillRequest, V3TradeBill } from './types.js';
import { Problems } from './validate.js';
import type { V3Verifier } from './verifier.js';

/**
 * `GET /v3/bill/fundflowbill` (资金账单 of one account, BASIC by default), then the file, checked
 * against its SHA1 like the trade bill.
 */
export async function downloadFundFlowBill(
  transport: V3Transport,
  verifier: V3Verifier,
  request: V3FundFlowBillRequest,
  maxBillBytes: number,
): Promise<V3TradeBill> {
  const problems = new Problems();
  checkBillDate(request.bill_date, problems);
  if (
    request.account_type !== undefined &&
    !['BASIC', 'OPERATION', 'FEES'].includes(request.account_type)
  ) {
    problems.add('account_type must be BASIC, OPERATION or FEES');
  }
  checkTarType(request.tar_type, problems);
  problems.throwIfAny('fundFlowBill');

  const query = new URLSearchParams({ bill_date: request.bill_date });
  if (request.account_type !== undefined) query.set('account_type', request.account_type);
  if (request.tar_type !== undefined) query.set('tar_type', request.tar_type);
  return downloadV3Bill(transport, verifier, '/v3/bill/fundflowbill', query, maxBillBytes);
}
