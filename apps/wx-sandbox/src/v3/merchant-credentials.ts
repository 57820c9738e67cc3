import { createPublicKey, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/** What the sandbox needs to play APIv3 for one merchant. */
export interface MerchantV3Credentials {
  /** The 32-byte APIv3 key: encrypts notification resources and downloaded certificates. */
  apiV3Key: string;
  /** The merchant API certificate's serial, uppercase hex without leading zeros. */
  serialNo: string;
  /** Verifies the merchant's `Authorization` signatures. */
  publicKey: KeyObject;
}

/** How the sandbox compares serials: uppercase hex, leading zeros dropped (as @fen/wxpay does). */
export const normalizeSerialNo = (serial: string) =>
  serial
    .trim()
    .toUpperCase()
    .replace(/^0+(?=.)/, '');

/** The merchant's public key from a PEM public key or a PEM certificate (apiclient_cert.pem). */
export function loadMerchantPublicKey(pem: string | Buffer): KeyObject {
  const text = pem.toString();
  const key = text.includes('BEGIN CERTIFICATE')
    ? new X509Certificate(text).publicKey
    : createPublicKey(text);
  if (key.asymmetricKeyType !== 'rsa') throw new Error('not an RSA key');
  return key;
}

/**
 * Problems with a merchant's APIv3 settings (empty when fine). All three or none: a merchant
 * without them has not enabled APIv3 (its v3 requests get 403 NO_AUTH).
 */
export function merchantV3Problems(m: {
  mchId: string;
  apiV3Key?: string;
  merchantSerialNo?: string;
  merchantPublicKey?: string | Buffer;
}): string[] {
  const given = [m.apiV3Key, m.merchantSerialNo, m.merchantPublicKey].filter(
    (v) => v !== undefined,
  ).length;
  if (given === 0) return [];
  const problems: string[] = [];
  const where = `merchant ${m.mchId}`;
  if (given < 3)
    problems.push(`${where}: apiV3Key, merchantSerialNo and merchantPublicKey go together`);
  if (m.apiV3Key !== undefined && Buffer.byteLength(String(m.apiV3Key), 'utf8') !== 32) {
    problems.push(`${where}: apiV3Key must be 32 bytes`);
  }
  if (m.merchantSerialNo !== undefined && !/^[0-9A-Fa-f]{1,64}$/.test(String(m.merchantSerialNo))) {
    problems.push(`${where}: merchantSerialNo must be the hex serial of the merchant certificate`);
  }
  if (m.merchantPublicKey !== undefined) {
    try {
      loadMerchantPublicKey(m.merchantPublicKey);
    } catch {
      problems.push(`${where}: merchantPublicKey must be an RSA public key or certificate (PEM)`);
    }
  }
  return problems;
}
