import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { wxPayError } from '../errors.js';

/** A PEM text (string or bytes) or a key Node already parsed. */
export type KeyInput = string | Buffer | KeyObject;

/** A platform certificate reduced to what verification needs. */
export interface PlatformCertificate {
  /** Uppercase hex, as WeChat sends it in `Wechatpay-Serial`. */
  serial: string;
  publicKey: KeyObject;
  /** Not valid before / after (epoch ms). */
  validFrom: number;
  validTo: number;
  pem: string;
}

function isKeyObject(input: KeyInput): input is KeyObject {
  return typeof input === 'object' && !Buffer.isBuffer(input);
}

/**
 * The merchant private key (`apiclient_key.pem`, PKCS#8 or PKCS#1) as a `KeyObject`. Anything
 * that is not an RSA private key is a `config` `V3_PRIVATE_KEY_INVALID` error; the message never
 * contains the key.
 */
export function loadPrivateKey(input: KeyInput, where: string): KeyObject {
  let key: KeyObject;
  try {
    key = isKeyObject(input) ? input : createPrivateKey(input);
  } catch (err) {
    throw wxPayError(
      'config',
      'V3_PRIVATE_KEY_INVALID',
      `${where}: the merchant private key does not load (expected apiclient_key.pem, PEM)`,
      { cause: err },
    );
  }
  if (key.type !== 'private' || key.asymmetricKeyType !== 'rsa') {
    throw wxPayError(
      'config',
      'V3_PRIVATE_KEY_INVALID',
      `${where}: the merchant private key must be an RSA private key (got ${key.type} ${key.asymmetricKeyType ?? ''})`.trim(),
    );
  }
  return key;
}

/** The WeChat Pay public key (`pub_key.pem`, the `PUB_KEY_ID_…` mode) as a `KeyObject`. */
export function loadPublicKey(input: KeyInput, where: string): KeyObject {
  let key: KeyObject;
  try {
    key = isKeyObject(input) ? input : createPublicKey(input);
  } catch (err) {
    throw wxPayError(
      'config',
      'V3_PUBLIC_KEY_INVALID',
      `${where}: the WeChat Pay public key does not load (expected pub_key.pem, PEM)`,
      { cause: err },
    );
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw wxPayError('config', 'V3_PUBLIC_KEY_INVALID', `${where}: the public key must be RSA`);
  }
  // A private key given by mistake still verifies; keep only its public half.
  return key.type === 'private' ? createPublicKey(key) : key;
}

/**
 * Parses a platform certificate (PEM). A text that is not an RSA certificate is a `signature`
 * `V3_CERTIFICATE_INVALID` error: certificates arrive from the download, not from config.
 */
export function parsePlatformCertificate(pem: string | Buffer): PlatformCertificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (err) {
    throw wxPayError('signature', 'V3_CERTIFICATE_INVALID', 'platform certificate does not parse', {
      cause: err,
    });
  }
  if (cert.publicKey.asymmetricKeyType !== 'rsa') {
    throw wxPayError('signature', 'V3_CERTIFICATE_INVALID', 'platform certificate key is not RSA');
  }
  return {
    serial: normalizeSerial(cert.serialNumber),
    publicKey: cert.publicKey,
    validFrom: Date.parse(cert.validFrom),
    validTo: Date.parse(cert.validTo),
    pem: cert.toString(),
  };
}

/** Serials compare as uppercase hex without leading zeros (`0a1b` and `A1B` are one serial). */
export function normalizeSerial(serial: string): string {
  const upper = serial.trim().toUpperCase();
  const stripped = upper.replace(/^0+(?=.)/, '');
  return stripped;
}
