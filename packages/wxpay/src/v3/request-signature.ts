import type { KeyObject } from 'node:crypto';
import { nonceStr as newNonceStr } from '../nonce.js';
import { timeStampSeconds } from '../time.js';
import { rsaSign } from './rsa.js';

/** The scheme APIv3 requests are signed with (docs/protocol.md §6). */
export const V3_AUTH_SCHEMA = 'WECHATPAY2-SHA256-RSA2048';

export interface RequestToSign {
  method: string;
  /** Path plus `?query`, without scheme and host: `/v3/pay/transactions/jsapi`. */
  url: string;
  /** The exact JSON sent; `''` for a GET. */
  body: string;
  /** Seconds since the epoch; default now. */
  timestamp?: string;
  /** Default a fresh 32-character nonce. */
  nonceStr?: string;
}

/**
 * `METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n` (docs/protocol.md §6): every line ends with
 * `\n`, the body's too, so an empty body still ends in `\n\n`.
 */
export function requestSignatureMessage(
  method: string,
  url: string,
  timestamp: string,
  nonce: string,
  body: string,
): string {
  return `${method}\n${url}\n${timestamp}\n${nonce}\n${body}\n`;
}

export interface AuthorizationParts {
  mchid: string;
  nonce_str: string;
  timestamp: string;
  serial_no: string;
  signature: string;
}

/**
 * `<schema> mchid="…",nonce_str="…",timestamp="…",serial_no="…",signature="…"` in wechatpay-go's
 * order (WeChat accepts any order).
 */
export function formatAuthorization(parts: AuthorizationParts, schema = V3_AUTH_SCHEMA): string {
  return (
    `${schema} mchid="${parts.mchid}",nonce_str="${parts.nonce_str}",` +
    `timestamp="${parts.timestamp}",serial_no="${parts.serial_no}",signature="${parts.signature}"`
  );
}

export interface SignedRequest {
  authorization: string;
  /** The exact text that was signed: safe to log, it holds no secret. */
  message: string;
  timestamp: string;
  nonceStr: string;
  signature: string;
}

/** Signs merchant requests with the merchant private key and its certificate serial. */
export interface RequestSigner {
  readonly mchId: string;
  readonly serialNo: string;
  sign(request: RequestToSign): SignedRequest;
}

/** A {@link RequestSigner} over an already loaded key (see `loadPrivateKey`). */
export function createRequestSigner(options: {
  mchId: string;
  serialNo: string;
  privateKey: KeyObject;
}): RequestSigner {
  const { mchId, serialNo, privateKey } = options;
  return {
    mchId,
    serialNo,
    sign(request) {
      const timestamp = request.timestamp ?? timeStampSeconds();
      const nonce = request.nonceStr ?? newNonceStr(32);
      const message = requestSignatureMessage(
        request.method,
        request.url,
        timestamp,
        nonce,
        request.body,
      );
      const signature = rsaSign(message, privateKey);
      const authorization = formatAuthorization({
        mchid: mchId,
        nonce_str: nonce,
        timestamp,
        serial_no: serialNo,
        signature,
      });
      return { authorization, message, timestamp, nonceStr: nonce, signature };
    },
  };
}

/**
 * The parts of an `Authorization` header, for a server playing WeChat (the sandbox, tests) that
 * checks merchant requests. `undefined` when the header is not `WECHATPAY2-SHA256-RSA2048` with
 * all five parameters.
 */
export function parseAuthorization(header: string | undefined): AuthorizationParts | undefined {
  if (header === undefined || !header.startsWith(`${V3_AUTH_SCHEMA} `)) return undefined;
  const params: Record<string, string> = {};
  for (const match of header.slice(V3_AUTH_SCHEMA.length + 1).matchAll(/(\w+)="([^"]*)"/g)) {
    params[match[1] as string] = match[2] as string;
  }
  const { mchid, nonce_str, timestamp, serial_no, signature } = params;
  if (!mchid || !nonce_str || !timestamp || !serial_no || !signature) return undefined;
  return { mchid, nonce_str, timestamp, serial_no, signature };
}
