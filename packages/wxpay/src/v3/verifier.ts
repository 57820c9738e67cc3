import type { KeyObject } from 'node:crypto';
import { wxPayError } from '../errors.js';
import type { HeaderSource } from './headers.js';
import { rsaVerify } from './rsa.js';
import { readWechatpaySignature, replySignatureMessage } from './signature-headers.js';
import type { WechatpaySignature } from './signature-headers.js';

/** A reply or notification as received: its headers and the exact body bytes. */
export interface SignedMessage {
  headers: HeaderSource;
  body: string | Buffer;
}

/**
 * Where the verifier finds WeChat's public key for a `Wechatpay-Serial`: platform certificates
 * (downloaded and cached), the WeChat Pay public key (`PUB_KEY_ID_…`), or several of them.
 */
export interface V3KeySource {
  /**
   * The key for `serial`, or `undefined` when this source does not know it (after any refresh).
   * `origin` says where the serial came from: a `reply` to our own request over TLS may refresh
   * at once; a `notification` (anyone can send one) refreshes only as often as the source allows.
   */
  resolve(serial: string, origin?: MessageOrigin): Promise<KeyObject | undefined>;
}

/**
 * Where a signed message came from: the `reply` to a request this client made to WeChat over
 * TLS, or a `notification` POSTed to the merchant, which anyone can send. Default `notification`.
 */
export type MessageOrigin = 'reply' | 'notification';

/** Checks that a reply or notification was signed by WeChat, recently. */
export interface V3Verifier {
  /** Resolves with the signature headers when valid; otherwise throws a `signature` error. */
  verify(
    message: SignedMessage,
    label?: string,
    origin?: MessageOrigin,
  ): Promise<WechatpaySignature>;
}

/** The skew SDKs accept between `Wechatpay-Timestamp` and the local clock: under 5 minutes. */
export const DEFAULT_MAX_SKEW_SECONDS = 300;

export interface V3VerifierOptions {
  keys: V3KeySource;
  /** The clock (epoch ms), injectable for tests. */
  now?: () => number;
  /** A timestamp this many seconds away or more is refused. Default 300. */
  maxSkewSeconds?: number;
}

/**
 * The APIv3 reply/notification check (docs/protocol.md §6): headers present, timestamp in window
 * (checked first, so a replayed or stale message never triggers a certificate download), key
 * known for the serial, SHA256withRSA over `TIMESTAMP\nNONCE\nBODY\n`. Errors, kind
 * `signature`: `V3_SIGNATURE_HEADERS_INVALID`, `V3_TIMESTAMP_STALE`, `V3_SERIAL_UNKNOWN`,
 * `V3_SIGNATURE_INVALID`.
 */
export function createV3Verifier(options: V3VerifierOptions): V3Verifier {
  const now = options.now ?? Date.now;
  const maxSkew = options.maxSkewSeconds ?? DEFAULT_MAX_SKEW_SECONDS;
  return {
    async verify(message, label = 'reply', origin = 'notification') {
      const sig = readWechatpaySignature(message.headers, label);
      const skew = Math.abs(Math.floor(now() / 1000) - Number(sig.timestamp));
      if (skew >= maxSkew) {
        throw wxPayError(
          'signature',
          'V3_TIMESTAMP_STALE',
          `${label}: Wechatpay-Timestamp ${sig.timestamp} is ${skew} s from this clock ` +
            `(at most ${maxSkew - 1} s accepted): a replay, or check the clock`,
        );
      }
      const key = await options.keys.resolve(sig.serial, origin);
      if (key === undefined) {
        throw wxPayError(
          'signature',
          'V3_SERIAL_UNKNOWN',
          `${label}: Wechatpay-Serial ${sig.serial} names no known platform certificate or public key`,
        );
      }
      const signed = replySignatureMessage(sig.timestamp, sig.nonce, message.body);
      if (!rsaVerify(signed, sig.signature, key)) {
        throw wxPayError(
          'signature',
          'V3_SIGNATURE_INVALID',
          `${label}: Wechatpay-Signature does not verify with the key of serial ${sig.serial}`,
        );
      }
      return sig;
    },
  };
}
