import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { wxPayError } from '../errors.js';
import { replyJson, sendV3 } from './transport.js';
import type { V3Transport } from './transport.js';
import type { V3TradeBill, V3TradeBillLink } from './types.js';
import type { V3Verifier } from './verifier.js';

/**
 * An APIv3 bill: `GET <path>?<query>` (signed reply: where the file is, and its hash), then the
 * file from `download_url`. WeChat does not sign the file; the SHA1 of the bill's text — after
 * unzipping a GZIP file, as WeChat computes it — must equal `hash_value` instead (`signature`
 * `V3_BILL_HASH_MISMATCH`). The file is fetched only from the base URL's origin, so a reply cannot
 * send the signed request elsewhere (`api` `V3_BAD_RESPONSE`).
 */
export async function downloadV3Bill(
  transport: V3Transport,
  verifier: V3Verifier,
  path: string,
  query: URLSearchParams,
  maxBillBytes: number,
): Promise<V3TradeBill> {
  const label = `GET ${path}`;
  const linkReply = await sendV3(
    transport,
    { method: 'GET', path: `${path}?${query}`, label },
    verifier,
  );
  const link = replyJson<V3TradeBillLink>(linkReply, label);
  const fileUrl = sameOriginUrl(link.download_url, transport.baseUrl, label);
  if (link.hash_type !== 'SHA1') {
    throw wxPayError('api', 'V3_BAD_RESPONSE', `${label}: hash_type ${link.hash_type} is not SHA1`);
  }

  const fileLabel = 'GET bill file';
  const file = await sendV3(
    { ...transport, maxReplyBytes: maxBillBytes },
    { method: 'GET', path: '', absoluteUrl: fileUrl, label: fileLabel },
    null,
  );
  const bytes =
    query.get('tar_type') === 'GZIP' ? gunzip(file.body, maxBillBytes, fileLabel) : file.body;
  const actual = createHash('sha1').update(bytes).digest('hex');
  if (actual !== String(link.hash_value).toLowerCase()) {
    throw wxPayError(
      'signature',
      'V3_BILL_HASH_MISMATCH',
      `${fileLabel}: SHA1 ${actual} is not the hash_value ${link.hash_value} WeChat signed`,
    );
  }
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
