import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { wxPayError } from '../errors.js';
import { replyJson, sendV3 } from './transport.js';
import type { V3Transport } from './transport.js';
import type { V3TradeBill, V3TradeBillLink, V3TradeBillRequest } from './types.js';
import { Problems } from './validate.js';
import type { V3Verifier } from './verifier.js';

/**
 * `GET /v3/bill/tradebill` (signed reply: where the file is, and its hash), then the file from
 * `download_url`. WeChat does not sign the file itself; its SHA1 must equal `hash_value` instead
 * (`signature` `V3_BILL_HASH_MISMATCH`). The file is fetched only from the base URL's origin, so
 * a reply cannot send the signed request elsewhere (`api` `V3_BAD_RESPONSE`).
 */
export async function downloadTradeBill(
  transport: V3Transport,
  verifier: V3Verifier,
  request: V3TradeBillRequest,
  maxBillBytes: number,
): Promise<V3TradeBill> {
  const problems = new Problems();
  if (typeof request.bill_date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(request.bill_date)) {
    problems.add('bill_date must be YYYY-MM-DD');
  }
  if (
    request.bill_type !== undefined &&
    !['ALL', 'SUCCESS', 'REFUND'].includes(request.bill_type)
  ) {
    problems.add('bill_type must be ALL, SUCCESS or REFUND');
  }
  if (request.tar_type !== undefined && request.tar_type !== 'GZIP')
    problems.add('tar_type must be GZIP');
  problems.throwIfAny('tradeBill');

  const query = new URLSearchParams({ bill_date: request.bill_date });
  if (request.bill_type !== undefined) query.set('bill_type', request.bill_type);
  if (request.tar_type !== undefined) query.set('tar_type', request.tar_type);
  const label = 'GET /v3/bill/tradebill';
  const linkReply = await sendV3(
    transport,
    { method: 'GET', path: `/v3/bill/tradebill?${query}`, label },
    verifier,
  );
  const link = replyJson<V3TradeBillLink>(linkReply, label);
  const fileUrl = sameOriginUrl(link.download_url, transport.baseUrl, label);

  const fileLabel = 'GET bill file';
  const file = await sendV3(
    { ...transport, maxReplyBytes: maxBillBytes },
    { method: 'GET', path: '', absoluteUrl: fileUrl, label: fileLabel },
    null,
  );
  if (link.hash_type !== 'SHA1') {
    throw wxPayError('api', 'V3_BAD_RESPONSE', `${label}: hash_type ${link.hash_type} is not SHA1`);
  }
  const actual = createHash('sha1').update(file.body).digest('hex');
  if (actual !== String(link.hash_value).toLowerCase()) {
    throw wxPayError(
      'signature',
      'V3_BILL_HASH_MISMATCH',
      `${fileLabel}: SHA1 ${actual} is not the hash_value ${link.hash_value} WeChat signed`,
    );
  }
  const bytes =
    request.tar_type === 'GZIP' ? gunzip(file.body, maxBillBytes, fileLabel) : file.body;
  return { text: bytes.toString('utf8'), hash_type: link.hash_type, hash_value: link.hash_value };
}

function gunzip(body: Buffer, maxBytes: number, label: string): Buffer {
  try {
    return gunzipSync(body, { maxOutputLength: maxBytes });
  } catch (err) {
    throw wxPayError(
      'api',
      'V3_BAD_RESPONSE',
      `${label}: not a gzip file within ${maxBytes} bytes`,
      {
        cause: err,
      },
    );
  }
}

function sameOriginUrl(url: unknown, baseUrl: string, label: string): string {
  let parsed: URL | undefined;
  try {
    parsed = typeof url === 'string' ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || parsed.origin !== new URL(baseUrl).origin) {
    throw wxPayError(
      'api',
      'V3_BAD_RESPONSE',
      `${label}: download_url is not on ${new URL(baseUrl).origin}`,
    );
  }
  return parsed.toString();
}
