import { randomBytes, randomInt } from 'node:crypto';
import { makeMerchantCertificate } from '../helpers/merchant-certificate.js';
import type {
  MerchantCertificateFiles,
  MerchantCertificateOptions,
} from '../helpers/merchant-certificate.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `length` random letters and digits: the shape of a WeChat Pay API key. */
export function randomAlnum(length: number): string {
  return Array.from({ length }, () => ALNUM[randomInt(ALNUM.length)]).join('');
}

/** Secrets made for one run: none is published, each keeps production's strength rules. */
export function generateSecrets() {
  return {
    WX_APPID: `wx${randomBytes(8).toString('hex')}`,
    WX_APPSECRET: randomBytes(16).toString('hex'),
    WXPAY_KEY: randomAlnum(32),
    WXPAY_V3_KEY: randomAlnum(32),
    SESSION_SECRET: randomBytes(32).toString('hex'),
    ADMIN_TOKEN: randomBytes(32).toString('base64url'),
  };
}

export interface ProductionEnvOptions {
  /** Default `1230000109` (not the demo merchant). */
  mchId?: string;
  /** Default `https://shop.fen-topology.net`: a public name (tests resolve it themselves). */
  publicUrl?: string;
  mongodbUri?: string;
  redisUrl?: string;
  /** The merchant certificate's validity; its CN is `mchId` unless given. */
  certificate?: Partial<MerchantCertificateOptions>;
  /** Settings over the result (e.g. WeChat's bases for a stand-in reached over HTTPS). */
  env?: Record<string, string>;
}

export interface ProductionEnv {
  env: Record<string, string>;
  certificate: MerchantCertificateFiles;
  /** Removes the certificate files. */
  cleanup(): void;
}

/**
 * A production environment that loads: `FEN_ENV=production`, generated secrets, a merchant
 * certificate of its own made for the run, https on a public name, Redis, and WeChat's bases
 * left to their defaults (WeChat's hosts; loading the config calls none of them).
 */
export function makeProductionEnv(options: ProductionEnvOptions = {}): ProductionEnv {
  const mchId = options.mchId ?? '1230000109';
  const publicUrl = options.publicUrl ?? 'https://shop.fen-topology.net';
  const certificate = makeMerchantCertificate({ commonName: mchId, ...options.certificate });
  return {
    env: {
      FEN_ENV: 'production',
      MONGODB_URI: options.mongodbUri ?? 'mongodb://127.0.0.1:27017/fen',
      REDIS_URL: options.redisUrl ?? 'redis://127.0.0.1:6379',
      ...generateSecrets(),
      WXPAY_MCHID: mchId,
      WXPAY_CERT_P12_PATH: certificate.p12,
      PUBLIC_URL: publicUrl,
      WXPAY_NOTIFY_URL: `${publicUrl}/wxpay/notify`,
      WXPAY_REFUND_NOTIFY_URL: `${publicUrl}/wxpay/refund-notify`,
      ...options.env,
    },
    certificate,
    cleanup: () => certificate.cleanup(),
  };
}
