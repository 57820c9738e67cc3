import { downloadV3Bill } from './bill-download.js';
import type { V3Transport } from './transport.js';
import type { V3TradeBill, V3TradeBillRequest } from './types.js';
import { Problems } from './validate.js';
import type { V3Verifier } from './verifier.js';

/** `GET /v3/bill/tradebill`, then the file, checked against its SHA1 (see `downloadV3Bill`). */
export async function downloadTradeBill(
  transport: V3Transport,
  verifier: V3Verifier,
  request: V3TradeBillRequest,
  maxBillBytes: number,
): Promise<V3TradeBill> {
  const problems = new Problems();
  checkBillDate(request.bill_date, problems);
  if (
    request.bill_type !== undefined &&
    !['ALL', 'SUCCESS', 'REFUND'].includes(request.bill_type)
  ) {
    problems.add('bill_type must be ALL, SUCCESS or REFUND');
  }
  checkTarType(request.tar_type, problems);
  problems.throwIfAny('tradeBill');

  const query = new URLSearchParams({ bill_date: request.bill_date });
  if (request.bill_type !== undefined) query.set('bill_type', request.bill_type);
  if (request.tar_type !== undefined) query.set('tar_type', request.tar_type);
  return downloadV3Bill(transport, verifier, '/v3/bill/tradebill', query, maxBillBytes);
}

export function checkBillDate(value: unknown, problems: Problems): void {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value))
    problems.add('bill_date must be YYYY-MM-DD');
}

export function checkTarType(value: unknown, problems: Problems): void {
  if (value !== undefined && value !== 'GZIP') problems.add('tar_type must be GZIP');
}
