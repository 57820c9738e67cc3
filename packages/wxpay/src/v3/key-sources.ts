import type { KeyObject } from 'node:crypto';
import { wxPayError } from '../errors.js';
import { loadPublicKey, normalizeSerial, parsePlatformCertificate } from './keys.js';
import type { KeyInput, PlatformCertificate } from './keys.js';
import type { V3KeySource } from './verifier.js';

/** WeChat Pay public keys are named `PUB_KEY_ID_` + digits and letters. */
const PUBLIC_KEY_ID = /^PUB_KEY_ID_[0-9A-Za-z]+$/;

/**
 * The WeChat Pay public key mode: one key, named by its `PUB_KEY_ID_…` (the `Wechatpay-Serial`
 * WeChat sends). A malformed id is a `config` `INVALID_OPTIONS` error.
 */
export function publicKeySource(options: {
  publicKeyId: string;
  publicKey: KeyInput;
}): V3KeySource {
  if (typeof options.publicKeyId !== 'string' || !PUBLIC_KEY_ID.test(options.publicKeyId)) {
    throw wxPayError(
      'config',
      'INVALID_OPTIONS',
      'publicKeySource: publicKeyId must look like PUB_KEY_ID_0114232204432025011600385500XXXX',
    );
  }
  const key = loadPublicKey(options.publicKey, 'publicKeySource');
  const id = options.publicKeyId;
  return { resolve: async (serial) => (serial === id ? key : undefined) };
}

/**
 * A fixed set of platform certificates (configured by hand, or just downloaded): each serial
 * resolves while `now` is inside its certificate's validity.
 */
export function certificateSource(
  certificates: Array<PlatformCertificate | string | Buffer>,
  now: () => number = Date.now,
): V3KeySource {
  const bySerial = new Map<string, PlatformCertificate>();
  for (const cert of certificates) {
    const parsed =
      typeof cert === 'string' || Buffer.isBuffer(cert) ? parsePlatformCertificate(cert) : cert;
    bySerial.set(parsed.serial, parsed);
  }
  return {
    resolve: async (serial) => {
      const cert = bySerial.get(normalizeSerial(serial));
      return cert !== undefined && isValidAt(cert, now()) ? cert.publicKey : undefined;
    },
  };
}

/** True while `at` (epoch ms) is inside the certificate's validity. */
export function isValidAt(cert: PlatformCertificate, at: number): boolean {
  return cert.validFrom <= at && at <= cert.validTo;
}

/**
 * Tries each source in order: for a merchant moving from platform certificates to the public key,
 * when WeChat may sign with either.
 */
export function firstKeySource(...sources: V3KeySource[]): V3KeySource {
  return {
    async resolve(serial, origin) {
      for (const source of sources) {
        const key: KeyObject | undefined = await source.resolve(serial, origin);
        if (key !== undefined) return key;
      }
      return undefined;
    },
  };
}
