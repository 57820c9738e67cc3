import { rootCertificates } from 'node:tls';
import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import { isWxPayError, wxPayError } from './errors.js';

/**
 * A merchant API client certificate: PKCS#12 (password defaults to the mch_id; a string `pfx` is
 * base64) or PEM cert + key. `createPayClient` reads a PKCS#12 out into PEM before TLS sees it.
 */
export type ClientCertificate = { pfx: Buffer | string; passphrase?: string } | PemCertificate;

/** A certificate and its private key, PEM. */
export interface PemCertificate {
  cert: Buffer | string;
  key: Buffer | string;
}

/** Extra certificate authorities to trust, in PEM (for example the sandbox's CA). */
export type CaCertificates = string | Buffer | Array<string | Buffer>;

export interface AgentOptions {
  /** Connect timeout, in milliseconds. */
  timeoutMs: number;
  /** Presented to the server (mutual TLS, `/secapi/…`). PEM: `createPayClient` has read any PKCS#12 out. */
  certificate?: PemCertificate;
  /** Trusted in addition to Node's bundled roots. */
  ca?: CaCertificates;
}

/**
 * One connection pool with the TLS settings of a client. `ca` is added to Node's bundled roots
 * (not a replacement), so the same agent still reaches the real WeChat hosts.
 */
export function createAgent(options: AgentOptions): Agent {
  const extraCa = options.ca === undefined ? [] : [options.ca].flat();
  return new Agent({
    connect: {
      timeout: options.timeoutMs,
      ...(extraCa.length > 0 ? { ca: [...rootCertificates, ...extraCa] } : {}),
      ...options.certificate,
    },
  });
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  /** Says which call failed in error messages; never the URL, whose query may hold a secret. */
  label: string;
  body?: string;
  headers?: Record<string, string>;
  /** Whole exchange: connect, headers and body. */
  timeoutMs: number;
  /** Replies larger than this are refused (`REPLY_TOO_LARGE`) before being read in full. */
  maxBytes: number;
  dispatcher: Dispatcher;
  /**
   * Return non-2xx replies instead of throwing `HTTP_STATUS`: APIv3 answers errors as a signed
   * JSON `{code, message}` body the caller must read.
   */
  acceptAnyStatus?: boolean;
}

export interface HttpReply {
  status: number;
  contentType: string;
  body: Buffer;
  /** Reply headers, names in lowercase (APIv3 reads `wechatpay-signature` and siblings). */
  headers: Record<string, string>;
}

/**
 * Sends one request and reads the reply into memory, bounded in time and size.
 * Failures are `WxPayError` kind `transport`: `TIMEOUT`, `NETWORK` (refused, reset, TLS
 * handshake), `HTTP_STATUS` (not 2xx), `REPLY_TOO_LARGE`.
 */
export async function httpRequest(req: HttpRequest): Promise<HttpReply> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, req.timeoutMs);
  try {
    const res = await request(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      dispatcher: req.dispatcher,
      signal: controller.signal,
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
    });
    const body = await readBounded(res.body, req);
    if (!req.acceptAnyStatus && (res.statusCode < 200 || res.statusCode > 299)) {
      throw wxPayError('transport', 'HTTP_STATUS', `${req.label}: HTTP ${res.statusCode}`, {
        httpStatus: res.statusCode,
      });
    }
    const contentType = res.headers['content-type'];
    return {
      status: res.statusCode,
      contentType: Array.isArray(contentType) ? (contentType[0] ?? '') : (contentType ?? ''),
      body,
      headers: flattenHeaders(res.headers),
    };
  } catch (err) {
    throw toTransportError(err, req.label, req.timeoutMs, timedOut);
  } finally {
    clearTimeout(timer);
  }
}

/** First value of each header; names are already lowercase in undici. */
function flattenHeaders(headers: Record<string, string | string[] | undefined>) {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) flat[name.toLowerCase()] = first;
  }
  return flat;
}

async function readBounded(
  body: Dispatcher.ResponseData['body'],
  req: HttpRequest,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += buf.length;
    if (size > req.maxBytes) {
      body.destroy();
      throw wxPayError(
        'transport',
        'REPLY_TOO_LARGE',
        `${req.label}: reply larger than ${req.maxBytes} bytes, refused`,
      );
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

function toTransportError(err: unknown, label: string, timeoutMs: number, timedOut: boolean) {
  if (isWxPayError(err)) return err;
  const code = (err as { code?: unknown } | undefined)?.code;
  if (timedOut || (typeof code === 'string' && TIMEOUT_CODES.has(code))) {
    return wxPayError('transport', 'TIMEOUT', `${label}: no reply within ${timeoutMs} ms`, {
      cause: err,
    });
  }
  const detail = err instanceof Error ? err.message : String(err);
  return wxPayError('transport', 'NETWORK', `${label}: ${detail}`, { cause: err });
}
