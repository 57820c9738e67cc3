import type { KeyObject } from 'node:crypto';
import { wxPayError } from '../errors.js';
import { nonceStr as newNonceStr } from '../nonce.js';
import { timeStampSeconds } from '../time.js';
import { readHeader } from './headers.js';
import type { HeaderSource } from './headers.js';
import { V3_AUTH_SCHEMA } from './request-signature.js';
import { rsaSign } from './rsa.js';

/** The `Wechatpay-*` headers that sign a reply or a notification (docs/protocol.md §6). */
export interface WechatpaySignature {
  timestamp: string;
  nonce: string;
  signature: string;
  /** Platform certificate serial, or `PUB_KEY_ID_…` in public-key mode. */
  serial: string;
}

/**
 * `TIMESTAMP\nNONCE\nBODY\n` over the exact body bytes (docs/protocol.md §6): a rebuilt body would
 * not verify, so the body is never parsed before this.
 */
export function replySignatureMessage(timestamp: string, nonce: string, body: string | Buffer) {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return Buffer.concat([Buffer.from(`${timestamp}\n${nonce}\n`, 'utf8'), bytes, Buffer.from('\n')]);
}

/**
 * Reads the four `Wechatpay-*` headers. A missing or malformed one is a `signature`
 * `V3_SIGNATURE_HEADERS_INVALID` error naming it; so is a `Wechatpay-Signature-Type` other than
 * `WECHATPAY2-SHA256-RSA2048`.
 */
export function readWechatpaySignature(headers: HeaderSource, where: string): WechatpaySignature {
  const read = (name: string) => {
    const value = readHeader(headers, name);
    if (value === undefined || value === '') {
      throw wxPayError('signature', 'V3_SIGNATURE_HEADERS_INVALID', `${where}: no ${name} header`);
    }
    return value;
  };
  const signature: WechatpaySignature = {
    timestamp: read('Wechatpay-Timestamp'),
    nonce: read('Wechatpay-Nonce'),
    signature: read('Wechatpay-Signature'),
    serial: read('Wechatpay-Serial'),
  };
  if (!/^\d{1,12}$/.test(signature.timestamp)) {
    throw wxPayError(
      'signature',
      'V3_SIGNATURE_HEADERS_INVALID',
      `${where}: Wechatpay-Timestamp ${JSON.stringify(signature.timestamp)} is not seconds`,
    );
  }
  const type = readHeader(headers, 'Wechatpay-Signature-Type');
  if (type !== undefined && type !== V3_AUTH_SCHEMA) {
    throw wxPayError(
      'signature',
      'V3_SIGNATURE_HEADERS_INVALID',
      `${where}: Wechatpay-Signature-Type ${JSON.stringify(type)} is not ${V3_AUTH_SCHEMA}`,
    );
  }
  return signature;
}

/**
 * The headers WeChat puts on a reply or notification, signed with a platform private key: for a
 * sandbox playing WeChat, and for tests that need genuinely signed payloads.
 */
export function signWechatpayMessage(input: {
  body: string | Buffer;
  privateKey: KeyObject;
  /** The serial of the platform certificate, or the `PUB_KEY_ID_…`. */
  serial: string;
  timestamp?: string;
  nonce?: string;
}): Record<string, string> {
  const timestamp = input.timestamp ?? timeStampSeconds();
  const nonce = input.nonce ?? newNonceStr(32);
  const signature = rsaSign(replySignatureMessage(timestamp, nonce, input.body), input.privateKey);
  return {
    'Wechatpay-Timestamp': timestamp,
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Signature': signature,
    'Wechatpay-Serial': input.serial,
    'Wechatpay-Signature-Type': V3_AUTH_SCHEMA,
  };
}
