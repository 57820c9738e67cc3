import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { issuesOf, minimalEnv, useDemoMerchantCerts } from './helpers/config-env.js';

const certs = useDemoMerchantCerts();
const repoRoot = join(import.meta.dirname, '../../..');
const serialOf = (path: string) =>
  new X509Certificate(readFileSync(path)).serialNumber.toUpperCase();

const v2 = minimalEnv(certs);
const v3 = {
  ...v2,
  WXPAY_API_VERSION: 'v3',
  WXPAY_V3_KEY: 'fensandboxapiv3key0123456789abcd',
  WXPAY_NOTIFY_URL: 'http://127.0.0.1:3000/wxpay/v3/notify',
  WXPAY_REFUND_NOTIFY_URL: 'http://127.0.0.1:3000/wxpay/v3/refund-notify',
};

describe('loadConfig for APIv3', () => {
  it('when WXPAY_API_VERSION is not set, then the server speaks APIv2 and reads no APIv3 key', () => {
    const config = loadConfig(v2);
    expect(config.pay.apiVersion).toBe('v2');
    expect(config.pay.v3).toBeUndefined();
  });

  it('when v3 is chosen with a .p12, then the private key is read out of it and the serial derived from its certificate', () => {
    const config = loadConfig(v3);
    expect(config.pay.apiVersion).toBe('v3');
    expect(config.pay.v3).toMatchObject({
      apiV3Key: v3.WXPAY_V3_KEY,
      serialNo: serialOf(certs.certPem),
      apiBase: v2.WXPAY_V3_API_BASE,
    });
    expect(config.pay.v3?.privateKeyPem).toContain('PRIVATE KEY');
    expect(config.pay.v3?.platformPublicKey).toBeUndefined();
  });

  it('when v3 is chosen with PEM files, then the key is that file and the serial its certificate', () => {
    const config = loadConfig({
      ...v3,
      WXPAY_CERT_P12_PATH: '',
      WXPAY_CERT_PEM_PATH: certs.certPem,
      WXPAY_KEY_PEM_PATH: certs.keyPem,
      WXPAY_V3_API_BASE: 'http://127.0.0.1:3100/',
    });
    expect(config.pay.v3?.serialNo).toBe(serialOf(certs.certPem));
    expect(config.pay.v3?.privateKeyPem).toBe(readFileSync(certs.keyPem, 'utf8'));
    expect(config.pay.v3?.apiBase).toBe('http://127.0.0.1:3100');
  });

  it('when the APIv3 key, the serial and the public-key pair are all wrong, then every problem is named at once, without a secret', () => {
    const issues = issuesOf({
      ...v3,
      WXPAY_V3_KEY: 'tooshort-secret',
      WXPAY_CERT_SERIAL_NO: 'ABCDEF',
      WXPAY_PLATFORM_PUBLIC_KEY_ID: 'PUB_KEY_ID_0001',
    });
    expect(issues.some((i) => i.startsWith('WXPAY_V3_KEY:'))).toBe(true);
    expect(issues.some((i) => i.startsWith('WXPAY_CERT_SERIAL_NO:'))).toBe(true);
    expect(issues.some((i) => i.startsWith('WXPAY_PLATFORM_PUBLIC_KEY_ID and'))).toBe(true);
    expect(issues.join('\n')).not.toContain('tooshort-secret');
  });

  it('when the APIv2 key is given as the APIv3 key, then it is refused by name', () => {
    const issues = issuesOf({ ...v3, WXPAY_V3_KEY: v2.WXPAY_KEY });
    expect(issues).toEqual([expect.stringContaining('not the APIv2 key (WXPAY_KEY)')]);
  });

  it("when the notify URLs name the other API's routes, then both are refused (WeChat's posts would all fail); a proxy's path is taken as given", () => {
    const issues = issuesOf({
      ...v3,
      WXPAY_NOTIFY_URL: v2.WXPAY_NOTIFY_URL,
      WXPAY_REFUND_NOTIFY_URL: v2.WXPAY_REFUND_NOTIFY_URL,
    });
    expect(issues).toEqual([
      expect.stringMatching(/^WXPAY_NOTIFY_URL: names the APIv2 route.*\/wxpay\/v3\/notify/),
      expect.stringMatching(/^WXPAY_REFUND_NOTIFY_URL: names the APIv2 route/),
    ]);
    expect(issuesOf({ ...v2, WXPAY_NOTIFY_URL: v3.WXPAY_NOTIFY_URL })).toEqual([
      expect.stringMatching(/^WXPAY_NOTIFY_URL: names the APIv3 route/),
    ]);
    expect(
      loadConfig({ ...v3, WXPAY_NOTIFY_URL: 'https://edge.example/pay/callback' }).pay.notifyUrl,
    ).toBe('https://edge.example/pay/callback');
  });

  it('when WXPAY_API_VERSION is neither v2 nor v3, then it is named', () => {
    expect(issuesOf({ ...v2, WXPAY_API_VERSION: 'v4' })[0]).toMatch(/^WXPAY_API_VERSION:/);
  });

  it('when the commented APIv3 block of .env.example is switched on, then it loads with the sandbox demo values in public-key mode', () => {
    const block = readFileSync(join(repoRoot, 'apps/server/.env.example'), 'utf8')
      .split('\n')
      .filter((line) =>
        /^# (WXPAY_API_VERSION|WXPAY_V3_|WXPAY_CERT_SERIAL|WXPAY_PLATFORM|WXPAY_(REFUND_)?NOTIFY_URL)/.test(
          line,
        ),
      )
      .map((line) => line.slice(2).split('='))
      .map(([key, value]) => [key, key?.endsWith('_PATH') ? join(repoRoot, value ?? '') : value]);
    const env = {
      ...v2,
      ...Object.fromEntries(block),
      WXPAY_CERT_P12_PATH: join(repoRoot, 'apps/wx-sandbox/certs/apiclient_cert.p12'),
    };
    const config = loadConfig(env);
    expect(config.pay.v3).toMatchObject({
      serialNo: '02EAECE76B2FD4218AB868782C643982CDC3DC8A',
      apiBase: 'http://127.0.0.1:3100',
      platformPublicKey: { id: 'PUB_KEY_ID_0119000001092026120100000000000001' },
    });
  });
});
