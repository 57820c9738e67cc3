import { createSign, createVerify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/**
 * SHA256withRSA (PKCS#1 v1.5), base64 — the one signature APIv3 uses for requests, replies,
 * notifications and the v3 `paySign` (docs/protocol.md §5–6).
 */
export function rsaSign(message: string | Buffer, privateKey: KeyObject): string {
  return createSign('RSA-SHA256').update(message).sign(privateKey, 'base64');
}

/** True when `signature` (base64) is `message` signed by the holder of `publicKey`. */
export function rsaVerify(
  message: string | Buffer,
  signature: string,
  publicKey: KeyObject,
): boolean {
  // Base64 that does not round-trip is not a signature WeChat made; refuse it rather than let
  // Node's lenient decoder ignore stray characters.
  const bytes = Buffer.from(signature, 'base64');
  if (bytes.length === 0 || bytes.toString('base64') !== signature) return false;
  return createVerify('RSA-SHA256').update(message).verify(publicKey, bytes);
}
