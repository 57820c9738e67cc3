import { createSecureContext } from 'node:tls';
import { gunzipSync } from 'node:zlib';
import { isApiKey } from './api-key.js';
import { parseBill } from './bill.js';
import type { ParsedBill } from './bill.js';
import { isWxPayError, wxPayError } from './errors.js';
import { createAgent, httpRequest } from './http.js';
import type { CaCertificates, ClientCertificate } from './http.js';
import { nonceStr } from './nonce.js';
import { isSignType, signV2, verifyV2 } from './sign.js';
import type { SignType } from './sign.js';
import { isHttpUrl, joinUrl } from './url.js';
import { fromXml, toXml } from './xml.js';

/** Fields as WeChat names them, values as the exact strings on the wire. */
export type PayFields = Record<string, string>;

export interface PayClientOptions {
  appId: string;
  mchId: string;
  /** The 32-character APIv2 key. Signs requests, verifies replies; never sent or logged. */
  key: string;
  /** Default MD5. Replies are verified with the same algorithm. */
  signType?: SignType;
  /** Default `https://api.mch.weixin.qq.com`; the sandbox's URL in development. */
  baseUrl?: string;
  /** Where `/secapi/…` (refunds) goes, over mutual TLS. Default `baseUrl`. */
  secapiBaseUrl?: string;
  /** The merchant API certificate for `/secapi/…`: PKCS#12 (password defaults to mch_id) or PEM. */
  certificate?: ClientCertificate;
  /** Extra trusted CAs (the sandbox's), added to Node's bundled roots. */
  ca?: CaCertificates;
  /** Per attempt. Default 10 000 ms. */
  timeoutMs?: number;
  /** Extra attempts, with the identical body, after a transport failure or SYSTEMERROR. Default 1. */
  retries?: number;
  /** Wait before each extra attempt. Default 200 ms. */
  retryDelayMs?: number;
}

export interface UnifiedOrderParams extends PayFields {
  body: string;
  out_trade_no: string;
  /** Integer fen, as a string. */
  total_fee: string;
  spbill_create_ip: string;
  notify_url: string;
  trade_type: string;
}

export interface RefundParams extends PayFields {
  out_refund_no: string;
  total_fee: string;
  refund_fee: string;
}

export interface DownloadBillParams extends PayFields {
  /** `yyyyMMdd`, a Beijing day. */
  bill_date: string;
}

/** The merchant-side APIv2 client [D-uo][A-oq][A-close][A-refund][D-bill] (protocol §3). */
export interface PayClient {
  unifiedOrder(params: UnifiedOrderParams): Promise<PayFields>;
  /** By `out_trade_no` or `transaction_id`. */
  orderQuery(params: PayFields): Promise<PayFields>;
  closeOrder(params: { out_trade_no: string }): Promise<PayFields>;
  /** Needs `certificate`: goes to `/secapi/pay/refund` over mutual TLS. */
  refund(params: RefundParams): Promise<PayFields>;
  /** By one of refund_id, out_refund_no, transaction_id, out_trade_no. */
  refundQuery(params: PayFields): Promise<PayFields>;
  /** The day's bill, parsed (gunzipped first when `tar_type: 'GZIP'`). */
  downloadBill(params: DownloadBillParams): Promise<ParsedBill>;
  /** Closes the connection pools. */
  close(): Promise<void>;
}

const DEFAULT_BASE_URL = 'https://api.mch.weixin.qq.com';
const MAX_REPLY_BYTES = 1024 * 1024;
const MAX_BILL_BYTES = 64 * 1024 * 1024;
/** err_codes WeChat says to retry with the same parameters. */
const RETRYABLE_ERR_CODES = new Set(['SYSTEMERROR', 'BIZERR_NEED_RETRY']);

/**
 * Creates the APIv2 client. Each call fills appid, mch_id, nonce_str and sign_type, signs, posts
 * XML, and turns the reply into fields or a `WxPayError`: `return_code=FAIL` → kind `protocol`
 * (`RETURN_FAIL`, carrying `returnMsg`); a reply whose sign does not verify → kind `signature`;
 * `result_code=FAIL` → kind `business` with WeChat's `err_code` as the code. A retry resends the
 * very same bytes (same out_trade_no, same nonce), so WeChat sees a re-entry, never a new order.
 */
export function createPayClient(options: PayClientOptions): PayClient {
  validateOptions(options);
  const signType = options.signType ?? 'MD5';
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retries = options.retries ?? 1;
  const retryDelayMs = options.retryDelayMs ?? 200;
  const baseUrl = options.baseUrl ?? DEFAULT_BASE_URL;
  const secapiBaseUrl = options.secapiBaseUrl ?? baseUrl;
  const plain = createAgent({ timeoutMs, ca: options.ca });
  const certificate = options.certificate && resolveCertificate(options.certificate, options.mchId);
  const mutualTls = certificate && createAgent({ timeoutMs, ca: options.ca, certificate });

  function signedBody(params: PayFields): string {
    const fields: PayFields = {
      appid: options.appId,
      mch_id: options.mchId,
      nonce_str: nonceStr(),
      sign_type: signType,
      ...params,
    };
    return toXml({ ...fields, sign: signV2(fields, options.key, signType) });
  }

  async function post(path: string, body: string, maxBytes = MAX_REPLY_BYTES): Promise<Buffer> {
    const secapi = path.startsWith('/secapi/');
    if (secapi && !mutualTls) {
      throw wxPayError('config', 'CERTIFICATE_REQUIRED', `${path} needs the merchant certificate`);
    }
    const reply = await httpRequest({
      method: 'POST',
      url: joinUrl(secapi ? secapiBaseUrl : baseUrl, path),
      label: `POST ${path}`,
      body,
      headers: { 'content-type': 'text/xml; charset=utf-8' },
      timeoutMs,
      maxBytes,
      dispatcher: secapi ? mutualTls! : plain,
    });
    return reply.body;
  }

  /** Runs `attempt` once, and again after a retryable failure, up to `retries` more times. */
  async function withRetries<T>(attempt: () => Promise<T>): Promise<T> {
    for (let tried = 0; ; tried += 1) {
      try {
        return await attempt();
      } catch (err) {
        if (tried >= retries || !isRetryable(err)) throw err;
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
      }
    }
  }

  function exchange(path: string, params: PayFields): Promise<PayFields> {
    const body = signedBody(params);
    return withRetries(async () => checkReply(fromXml(await post(path, body)), path));
  }

  function checkReply(reply: PayFields, path: string): PayFields {
    throwOnReturnFail(reply, path);
    if (!verifyV2(reply, options.key, signType)) {
      throw wxPayError(
        'signature',
        'REPLY_SIGN_INVALID',
        `${path}: the reply's sign does not verify`,
        {
          reply,
        },
      );
    }
    if (reply.result_code !== 'SUCCESS') {
      const errCode = reply.err_code || 'RESULT_FAIL';
      const errCodeDes = reply.err_code_des ?? '';
      throw wxPayError('business', errCode, `${path}: ${errCode} ${errCodeDes}`.trim(), {
        errCode,
        ...(errCodeDes ? { errCodeDes } : {}),
        reply,
      });
    }
    return reply;
  }

  return {
    unifiedOrder: (params) => exchange('/pay/unifiedorder', params),
    orderQuery: (params) => exchange('/pay/orderquery', params),
    closeOrder: (params) => exchange('/pay/closeorder', params),
    refund: (params) => exchange('/secapi/pay/refund', params),
    refundQuery: (params) => exchange('/pay/refundquery', params),
    downloadBill(params) {
      const body = signedBody({ bill_type: 'ALL', ...params });
      return withRetries(async () => {
        const raw = await post('/pay/downloadbill', body, MAX_BILL_BYTES);
        return parseBill(billText(raw, params.tar_type === 'GZIP'));
      });
    },
    async close() {
      await Promise.allSettled([plain.close(), mutualTls?.close()]);
    },
  };
}

function throwOnReturnFail(reply: PayFields, path: string): void {
  if (reply.return_code === 'SUCCESS') return;
  const returnMsg = reply.return_msg ?? '';
  throw wxPayError('protocol', 'RETURN_FAIL', `${path}: return_code=FAIL ${returnMsg}`.trim(), {
    returnMsg,
    reply,
  });
}

/**
 * A downloadbill reply is the bill (text, or gzip when asked) on success, and unsigned XML on
 * failure (`No Bill Exist`, `Bill Creating`, …), which becomes the protocol error it describes.
 */
function billText(raw: Buffer, gzipped: boolean): string {
  const looksXml = raw.subarray(0, 64).toString('utf8').trimStart().startsWith('<xml');
  if (looksXml) {
    const reply = fromXml(raw);
    throwOnReturnFail(reply, '/pay/downloadbill');
    throw wxPayError('protocol', 'BILL_FORMAT', '/pay/downloadbill: XML where a bill was expected');
  }
  if (!gzipped) return raw.toString('utf8');
  try {
    return gunzipSync(raw, { maxOutputLength: MAX_BILL_BYTES }).toString('utf8');
  } catch (err) {
    throw wxPayError(
      'protocol',
      'BILL_FORMAT',
      '/pay/downloadbill: the GZIP bill does not unpack',
      {
        cause: err,
      },
    );
  }
}

function isRetryable(err: unknown): boolean {
  if (!isWxPayError(err)) return false;
  if (err.kind === 'business') return RETRYABLE_ERR_CODES.has(err.code);
  return err.kind === 'transport' && err.code !== 'REPLY_TOO_LARGE';
}

/**
 * The certificate with its PKCS#12 password filled in (WeChat sets it to the mch_id), checked
 * now so a wrong file or password fails at start with advice, not at the first refund.
 */
function resolveCertificate(certificate: ClientCertificate, mchId: string): ClientCertificate {
  const resolved =
    'pfx' in certificate
      ? { pfx: certificate.pfx, passphrase: certificate.passphrase ?? mchId }
      : certificate;
  try {
    createSecureContext(resolved);
  } catch (err) {
    const advice =
      'pfx' in certificate
        ? 'apiclient_cert.p12 with its password (by default the mch_id)'
        : 'apiclient_cert.pem with its matching apiclient_key.pem';
    const detail = err instanceof Error ? err.message : String(err);
    throw wxPayError(
      'config',
      'CERTIFICATE_INVALID',
      `createPayClient: the merchant certificate cannot be loaded (${detail}); expected ${advice}`,
      { cause: err },
    );
  }
  return resolved;
}

function validateOptions(options: PayClientOptions): void {
  const problems: string[] = [];
  if (typeof options.appId !== 'string' || !/^wx[0-9A-Za-z]{16}$/.test(options.appId)) {
    problems.push('appId must be "wx" followed by 16 letters or digits');
  }
  if (typeof options.mchId !== 'string' || !/^\d{6,20}$/.test(options.mchId)) {
    problems.push('mchId must be the merchant number (digits)');
  }
  if (!isApiKey(options.key)) {
    problems.push(
      'key must be the 32-character APIv2 key (API security in the merchant platform), not the AppSecret',
    );
  }
  if (options.signType !== undefined && !isSignType(options.signType)) {
    problems.push('signType must be MD5 or HMAC-SHA256');
  }
  for (const name of ['baseUrl', 'secapiBaseUrl'] as const) {
    if (options[name] !== undefined && !isHttpUrl(options[name])) {
      problems.push(`${name} must be an http(s) URL`);
    }
  }
  for (const name of ['timeoutMs', 'retries', 'retryDelayMs'] as const) {
    const value = options[name];
    const min = name === 'timeoutMs' ? 1 : 0;
    if (value !== undefined && !(Number.isInteger(value) && value >= min)) {
      problems.push(`${name} must be an integer ≥ ${min}`);
    }
  }
  if (problems.length > 0) {
    throw wxPayError('config', 'INVALID_OPTIONS', `createPayClient: ${problems.join('; ')}`);
  }
}
