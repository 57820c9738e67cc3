import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { MerchantCertificate } from './config-certificates.js';

/** What the APIv3 gateway needs beyond the APIv2 settings. Holds secrets: never log it. */
export interface PayV3Config {
  /** The 32-byte APIv3 key (decrypts notifications and downloaded platform certificates). */
  apiV3Key: string;
  /** The merchant API certificate's serial (uppercase hex), sent in every Authorization. */
  serialNo: string;
  /** The merchant API private key (PEM), from the already-configured certificate. */
  privateKeyPem: string;
  apiBase: string;
  /** WeChat Pay public-key mode: `PUB_KEY_ID_…` and the key (PEM). */
  platformPublicKey?: { id: string; pem: string };
}

function readText(path: string, key: string, issues: string[]): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    issues.push(`${key}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
}

/**
 * The APIv3 settings (docs/protocol.md §6), checked together so `loadConfig` reports
 * every problem at once. The private key and (unless `WXPAY_CERT_SERIAL_NO` is given) the serial
 * come from the merchant certificate already configured for refunds, so one file serves both.
 */
export function loadPayV3Config(
  env: Record<string, string | undefined>,
  certificate: MerchantCertificate | undefined,
  apiBase: string,
  issues: string[],
): PayV3Config | undefined {
  const before = issues.length;
  const apiV3Key = env.WXPAY_V3_KEY?.trim() ?? '';
  if (Buffer.byteLength(apiV3Key, 'utf8') !== 32) {
    issues.push(
      `WXPAY_V3_KEY: must be the 32-byte APIv3 key (got ${Buffer.byteLength(apiV3Key, 'utf8')} bytes; not the APIv2 key)`,
    );
  } else if (apiV3Key === env.WXPAY_KEY?.trim()) {
    issues.push('WXPAY_V3_KEY: must be the APIv3 key, not the APIv2 key (WXPAY_KEY)');
  }

  // A .p12 is already PEM here (config-certificates.ts reads it out).
  const pem = certificate;
  let serialNo = env.WXPAY_CERT_SERIAL_NO?.trim().toUpperCase() || undefined;
  if (serialNo !== undefined && !/^[0-9A-F]{1,64}$/.test(serialNo)) {
    issues.push('WXPAY_CERT_SERIAL_NO: must be the hex serial of apiclient_cert.pem');
  }
  if (pem) {
    try {
      createPrivateKey(pem.key);
      const derived = new X509Certificate(pem.cert).serialNumber.toUpperCase();
      const strip = (s: string) => s.replace(/^0+(?=.)/, '');
      if (serialNo !== undefined && strip(serialNo) !== strip(derived)) {
        issues.push(
          `WXPAY_CERT_SERIAL_NO: ${serialNo} is not the serial of the configured merchant certificate (${derived})`,
        );
      }
      serialNo ??= derived;
    } catch (err) {
      issues.push(`merchant certificate: unusable for APIv3 (${(err as Error).message})`);
    }
  }

  const publicKeyId = env.WXPAY_PLATFORM_PUBLIC_KEY_ID?.trim() || undefined;
  const publicKeyPath = env.WXPAY_PLATFORM_PUBLIC_KEY_PATH?.trim() || undefined;
  let platformPublicKey: PayV3Config['platformPublicKey'];
  if (Boolean(publicKeyId) !== Boolean(publicKeyPath)) {
    issues.push(
      'WXPAY_PLATFORM_PUBLIC_KEY_ID and WXPAY_PLATFORM_PUBLIC_KEY_PATH must be set together (public-key mode)',
    );
  } else if (publicKeyId && publicKeyPath) {
    if (!/^PUB_KEY_ID_[0-9A-Za-z]+$/.test(publicKeyId)) {
      issues.push('WXPAY_PLATFORM_PUBLIC_KEY_ID: must look like PUB_KEY_ID_ + letters and digits');
    }
    const text = readText(publicKeyPath, 'WXPAY_PLATFORM_PUBLIC_KEY_PATH', issues);
    if (text !== undefined) {
      try {
        createPublicKey(text);
        platformPublicKey = { id: publicKeyId, pem: text };
      } catch {
        issues.push(`WXPAY_PLATFORM_PUBLIC_KEY_PATH: ${publicKeyPath} is not a PEM public key`);
      }
    }
  }
  if (issues.length > before || !pem || !serialNo) return undefined;
  return {
    apiV3Key,
    serialNo,
    privateKeyPem: pem.key,
    apiBase,
    ...(platformPublicKey ? { platformPublicKey } : {}),
  };
}
