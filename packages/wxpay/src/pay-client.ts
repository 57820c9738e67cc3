import { X509Certificate, createHash, createPrivateKey } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { isApiKey } from './api-key.js';
import { parseBillReply, parseFundFlowReply } from './bill.js';
import type { ParsedBill } from './bill.js';
import { isWxPayError, wxPayError } from './errors.js';
import { createAgent, httpRequest } from './http.js';
import type { CaCertificates, ClientCertificate, PemCertificate } from './http.js';
import { nonceStr } from './nonce.js';
import { readPkcs12 } from './pkcs12.js';
import { canonicalStringV2, isSignType, signV2, verifyV2 } from './sign.js';
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
  /**
   * Extra attempts (0–5, default 0), with the identical body, after a timeout, a network error,
   * an HTTP 5xx, `SYSTEMERROR` or `BIZERR_NEED_RETRY`.
   */
  retries?: number;
  /** Wait before each extra attempt. Default 200 ms. */
  retryDelayMs?: number;
  /** Replies larger than this are refused. Default 1 MiB. */
  maxReplyBytes?: number;
  /** Bills larger than this (unzipped) are refused. Default 64 MiB. */
  maxBillBytes?: number;
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

export interface DownloadFundFlowParams extends PayFields {
  /** `yyyyMMdd`, a Beijing day. */
  bill_date: string;
  /** 基本账户, 运营账户, 手续费账户. */
  account_type: 'Basic' | 'Operation' | 'Fees';
}

/** The merchant-side APIv2 client [D-uo][A-oq][A-close][A-refund][D-bill] (docs/protocol.md §3). */
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
  /**
   * The day's fund-flow bill of one account (`/pay/downloadfundflow`), parsed: needs
   * `certificate` (mutual TLS, to `secapiBaseUrl`) and is always signed HMAC-SHA256, whatever
   * `signType` says. The reply's `Digest: SHA=…` header, when present, must match (`signature`
   * `BILL_DIGEST_MISMATCH`). Read the rows in fen with `parseFundFlowBill`.
   */
  downloadFundFlow(params: DownloadFundFlowParams): Promise<ParsedBill>;
  /** Closes the connection pools. */
  close(): Promise<void>;
}

const DEFAULT_BASE_URL = 'https://api.mch.weixin.qq.com';
const MAX_RETRIES = 5;
/** Fields the client owns: a caller passing one would sign a request it did not mean. */
const CLIENT_FIELDS = ['appid', 'mch_id', 'sign', 'sign_type'] as const;
/** Amounts that must be positive integer fen before anything is sent. */
const FEN_FIELDS = ['total_fee', 'refund_fee'] as const;
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
  const certificate = validateOptions(options);
  const signType = options.signType ?? 'MD5';
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retries = options.retries ?? 0;
  const retryDelayMs = options.retryDelayMs ?? 200;
  const maxReplyBytes = options.maxReplyBytes ?? 1024 * 1024;
  const maxBillBytes = options.maxBillBytes ?? 64 * 1024 * 1024;
  const baseUrl = options.baseUrl ?? DEFAULT_BASE_URL;
  const secapiBaseUrl = options.secapiBaseUrl ?? baseUrl;
  const plain = createAgent({ timeoutMs, ca: options.ca });
  const mutualTls = certificate && createAgent({ timeoutMs, ca: options.ca, certificate });

  function signedBody(path: string, params: PayFields, type: SignType = signType): string {
    checkParams(path, params);
    const fields: PayFields = {
      appid: options.appId,
      mch_id: options.mchId,
      nonce_str: nonceStr(),
      ...params,
      sign_type: type,
    };
    return toXml({ ...fields, sign: signV2(fields, options.key, type) });
  }

  async function post(path: string, body: string, maxBytes: number): Promise<Buffer> {
    return (await postReply(path, body, maxBytes)).body;
  }

  /** `/secapi/…` and `mutual` calls go to `secapiBaseUrl` with the merchant certificate. */
  async function postReply(path: string, body: string, maxBytes: number, mutual = false) {
    const secapi = mutual || path.startsWith('/secapi/');
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
    return reply;
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

  async function exchange(path: string, params: PayFields): Promise<PayFields> {
    const body = signedBody(path, params);
    return withRetries(async () =>
      checkReply(fromXml(await post(path, body, maxReplyBytes)), path),
    );
  }

  function checkReply(reply: PayFields, path: string): PayFields {
    throwOnReturnFail(reply, path);
    checkReplySign(reply, path);
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

  /** The reply's sign, with the reply's sign_type, else the client's (docs/protocol.md §2). */
  function checkReplySign(reply: PayFields, path: string): void {
    if (!reply.sign) {
      throw wxPayError('signature', 'REPLY_SIGN_MISSING', `${path}: the reply carries no sign`, {
        reply,
      });
    }
    if (verifyV2(reply, options.key, signType)) return;
    // What was signed, never the key: enough to compare with WeChat's or the sandbox's side.
    const algorithm = reply.sign_type || signType;
    throw wxPayError(
      'signature',
      'REPLY_SIGN_INVALID',
      `${path}: the reply's sign does not verify (${algorithm} over "${canonicalStringV2(reply)}&key=…")`,
      { reply },
    );
  }

  return {
    unifiedOrder: (params) => exchange('/pay/unifiedorder', params),
    orderQuery: (params) => exchange('/pay/orderquery', params),
    closeOrder: (params) => exchange('/pay/closeorder', params),
    refund: (params) => exchange('/secapi/pay/refund', params),
    refundQuery: (params) => exchange('/pay/refundquery', params),
    async downloadBill(params) {
      const body = signedBody('/pay/downloadbill', { bill_type: 'ALL', ...params });
      return withRetries(async () => {
        const raw = await post('/pay/downloadbill', body, maxBillBytes);
        return parseBillReply(params.tar_type === 'GZIP' ? gunzipBill(raw, maxBillBytes) : raw);
      });
    },
    async downloadFundFlow(params) {
      const path = '/pay/downloadfundflow';
      const body = signedBody(path, params, 'HMAC-SHA256');
      return withRetries(async () => {
        const reply = await postReply(path, body, maxBillBytes, true);
        const text = params.tar_type === 'GZIP' ? gunzipBill(reply.body, maxBillBytes) : reply.body;
        checkDigest(reply.headers.digest, reply.body, text, path);
        return parseFundFlowReply(text);
      });
    },
    async close() {
      await Promise.allSettled([plain.close(), mutualTls?.close()]);
    },
  };
}

/** Refuses, before anything is sent, fields the client owns and amounts that are not fen. */
function checkParams(path: string, params: PayFields): void {
  const owned = CLIENT_FIELDS.filter((name) => params[name] !== undefined);
  if (owned.length > 0) {
    throw wxPayError(
      'config',
      'INVALID_ARGUMENT',
      `${path}: ${owned.join(', ')} are filled by the client; leave them out`,
    );
  }
  for (const name of FEN_FIELDS) {
    const value = params[name];
    if (value !== undefined && !/^[1-9]\d{0,15}$/.test(value)) {
      throw wxPayError(
        'config',
        'INVALID_ARGUMENT',
        `${path}: ${name} must be a positive integer number of fen, got ${JSON.stringify(value)}`,
      );
    }
  }
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
 * The fund-flow reply's `Digest: SHA=<sha1 hex>`. Whether WeChat hashes the text or the gzip
 * bytes is not documented: either matches. No header (a failure reply), nothing to check.
 */
function checkDigest(header: string | undefined, raw: Buffer, text: Buffer, path: string): void {
  if (header === undefined) return;
  const expected = /^SHA=([0-9a-fA-F]{40})$/.exec(header.trim())?.[1]?.toLowerCase();
  const sha1 = (bytes: Buffer) => createHash('sha1').update(bytes).digest('hex');
  if (expected !== undefined && (sha1(text) === expected || sha1(raw) === expected)) return;
  throw wxPayError(
    'signature',
    'BILL_DIGEST_MISMATCH',
    `${path}: the bill does not match its Digest header ${JSON.stringify(header)}`,
  );
}

/** A GZIP bill (`tar_type=GZIP`), unpacked; a failure reply is plain XML and passes as it is. */
function gunzipBill(raw: Buffer, maxBytes: number): Buffer {
  const gzipMagic = raw[0] === 0x1f && raw[1] === 0x8b;
  if (!gzipMagic) return raw;
  try {
    return gunzipSync(raw, { maxOutputLength: maxBytes });
  } catch (err) {
    throw wxPayError('protocol', 'BILL_MALFORMED', 'the GZIP bill does not unpack', {
      cause: err,
    });
  }
}

/** Worth sending the same bytes again: WeChat said so, or the request may never have arrived. */
function isRetryable(err: unknown): boolean {
  if (!isWxPayError(err)) return false;
  if (err.kind === 'business') return RETRYABLE_ERR_CODES.has(err.code);
  if (err.kind !== 'transport') return false;
  if (err.code === 'HTTP_STATUS') return (err.httpStatus ?? 0) >= 500;
  return err.code === 'TIMEOUT' || err.code === 'NETWORK';
}

/**
 * The certificate as PEM: a PKCS#12 file is read out in JavaScript (`readPkcs12`, so WeChat's
 * legacy RC2 format works on Node 20), with its password by default the mch_id. Checked now so
 * a wrong file or password fails at start with advice, not at the first refund
 * (docs/pitfalls.md #10). Problems are added to `problems`.
 */
function resolveCertificate(
  certificate: ClientCertificate,
  mchId: string,
  problems: string[],
): PemCertificate | undefined {
  let pem: PemCertificate;
  if ('pfx' in certificate) {
    try {
      pem = readPkcs12(certificate.pfx, certificate.passphrase ?? mchId);
    } catch (err) {
      problems.push(
        `certificate: the PKCS#12 file cannot be opened (${messageOf(err)}); expected ` +
          'apiclient_cert.p12 with its password, by default the mch_id',
      );
      return undefined;
    }
  } else {
    pem = certificate;
  }
  try {
    const x509 = new X509Certificate(pem.cert);
    if (!x509.checkPrivateKey(createPrivateKey(pem.key))) {
      problems.push('certificate: the PEM key does not belong to the PEM certificate');
    } else if (Date.parse(x509.validTo) < Date.now()) {
      problems.push(`certificate: the merchant certificate expired on ${x509.validTo}`);
    } else {
      return { cert: pem.cert, key: pem.key };
    }
  } catch (err) {
    problems.push(
      `certificate: the PEM certificate or key cannot be read (${messageOf(err)}); expected ` +
        'apiclient_cert.pem and apiclient_key.pem',
    );
  }
  return undefined;
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Every problem with the options in one `INVALID_OPTIONS` error; the usable certificate. */
function validateOptions(options: PayClientOptions): PemCertificate | undefined {
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
  const ranges = {
    timeoutMs: [1, Number.MAX_SAFE_INTEGER],
    retries: [0, MAX_RETRIES],
    retryDelayMs: [0, 60_000],
    maxReplyBytes: [1, Number.MAX_SAFE_INTEGER],
    maxBillBytes: [1, Number.MAX_SAFE_INTEGER],
  } as const;
  for (const [name, [min, max]] of Object.entries(ranges)) {
    const value = options[name as keyof typeof ranges];
    if (value !== undefined && !(Number.isInteger(value) && value >= min && value <= max)) {
      problems.push(`${name} must be an integer from ${min}${max < 1e9 ? ` to ${max}` : ''}`);
    }
  }
  const certificate =
    options.certificate && resolveCertificate(options.certificate, options.mchId, problems);
  if (problems.length > 0) {
    throw wxPayError('config', 'INVALID_OPTIONS', `createPayClient: ${problems.join('; ')}`);
  }
  return certificate;
}
