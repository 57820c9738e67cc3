import { DEMO_MERCHANT, NOWHERE } from '@fen/demo';
import { afterAll, expect } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { makeMerchantCertificate } from './merchant-certificate.js';
import type { MerchantCertificateFiles } from './merchant-certificate.js';

/** A throwaway certificate of the demo merchant for this test file, removed after it. */
export function useDemoMerchantCerts(): MerchantCertificateFiles {
  const certs = makeMerchantCertificate({ commonName: DEMO_MERCHANT.mchId });
  afterAll(() => certs.cleanup());
  return certs;
}

/**
 * The least environment the server loads (APIv2, the demo merchant, `certs`): everything else is
 * left to the defaults the config tests check, except WeChat's bases, which default to WeChat's
 * real hosts (refused in sandbox mode): they point nowhere.
 */
export function minimalEnv(certs: MerchantCertificateFiles): Record<string, string> {
  return {
    MONGODB_URI: 'mongodb://127.0.0.1:27017/fen',
    WX_APPID: DEMO_MERCHANT.appId,
    WX_APPSECRET: DEMO_MERCHANT.appSecret,
    WX_API_BASE: NOWHERE.url,
    WX_OAUTH_BASE: NOWHERE.url,
    WXPAY_API_BASE: NOWHERE.url,
    WXPAY_SECAPI_BASE: NOWHERE.tlsUrl,
    WXPAY_V3_API_BASE: NOWHERE.url,
    WXPAY_MCHID: DEMO_MERCHANT.mchId,
    WXPAY_KEY: DEMO_MERCHANT.key,
    WXPAY_NOTIFY_URL: 'http://127.0.0.1:3000/wxpay/notify',
    WXPAY_REFUND_NOTIFY_URL: 'http://127.0.0.1:3000/wxpay/refund-notify',
    WXPAY_CERT_P12_PATH: certs.p12,
    SESSION_SECRET: 'x'.repeat(32),
    ADMIN_TOKEN: 'admin-token-0123456789',
  };
}

/** The issues of the ConfigError that loading `env` must throw. */
export function issuesOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}
