import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { makeTestCerts } from './helpers/certs.js';

const certs = makeTestCerts('1900000109');
afterAll(() => certs.cleanup());

const valid = {
  MONGODB_URI: 'mongodb://127.0.0.1:27017/fen',
  WX_APPID: 'wxfe00000000000001',
  WX_APPSECRET: '5f2d7a9c1b3e4f60718293a4b5c6d7e8',
  WXPAY_MCHID: '1900000109',
  WXPAY_KEY: 'fensandboxapikey0123456789abcdef',
  WXPAY_NOTIFY_URL: 'http://127.0.0.1:3000/wxpay/notify',
  WXPAY_REFUND_NOTIFY_URL: 'http://127.0.0.1:3000/wxpay/refund-notify',
  WXPAY_CERT_P12_PATH: certs.p12,
  SESSION_SECRET: 'x'.repeat(32),
  ADMIN_TOKEN: 'admin-token-0123456789',
};

function issuesOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('when every key is valid, then it returns the config with defaults filled in', () => {
    const config = loadConfig(valid);
    expect(config.port).toBe(3000);
    expect(config.pay.signType).toBe('MD5');
    expect(config.pay.apiBase).toBe('https://api.mch.weixin.qq.com');
    expect(config.pay.secapiBase).toBe('https://api.mch.weixin.qq.com');
    expect(config.wx.apiBase).toBe('https://api.weixin.qq.com');
    expect(config.redisUrl).toBeUndefined();
    expect(config.pay.certificate).toHaveProperty('pfx');
    expect(config.reconcile.intervalSeconds).toBe(60);
  });

  it('when the environment is empty, then every required key is reported at once', () => {
    const issues = issuesOf({});
    for (const key of [
      'MONGODB_URI',
      'WX_APPID',
      'WX_APPSECRET',
      'WXPAY_MCHID',
      'WXPAY_KEY',
      'WXPAY_NOTIFY_URL',
      'WXPAY_REFUND_NOTIFY_URL',
      'WXPAY_CERT_P12_PATH',
      'SESSION_SECRET',
      'ADMIN_TOKEN',
    ]) {
      expect(
        issues.some((issue) => issue.startsWith(key)),
        key,
      ).toBe(true);
    }
  });

  it('when several keys are malformed, then each is named without echoing secrets', () => {
    const secretKey = 'short-key';
    const issues = issuesOf({
      ...valid,
      WXPAY_KEY: secretKey,
      WXPAY_SIGN_TYPE: 'SHA1',
      PORT: 'eighty',
      SESSION_SECRET: 'too-short',
      WXPAY_NOTIFY_URL: 'http://example.com/notify?x=1',
      REDIS_URL: 'http://not-redis',
    });
    expect(issues).toHaveLength(6);
    expect(issues.join('\n')).not.toContain(secretKey);
    expect(issues.join('\n')).not.toContain('too-short');
  });

  it('when the AppSecret is given as the pay key, then both shapes are checked separately', () => {
    const config = loadConfig({ ...valid, WXPAY_KEY: valid.WX_APPSECRET });
    // Both are 32 characters: the shape cannot tell them apart, so the sandbox's SIGNERROR will.
    expect(config.pay.key).toBe(valid.WX_APPSECRET);
    expect(issuesOf({ ...valid, WX_APPSECRET: 'wx-secret' })[0]).toMatch(/^WX_APPSECRET/);
  });

  it('when PEM paths are given, then the certificate and its key are loaded and matched', () => {
    const config = loadConfig({
      ...valid,
      WXPAY_CERT_P12_PATH: '',
      WXPAY_CERT_PEM_PATH: certs.certPem,
      WXPAY_KEY_PEM_PATH: certs.keyPem,
    });
    expect(config.pay.certificate).toHaveProperty('cert');
  });

  it('when the PEM key does not belong to the certificate, then start-up fails naming it', () => {
    const issues = issuesOf({
      ...valid,
      WXPAY_CERT_P12_PATH: '',
      WXPAY_CERT_PEM_PATH: certs.certPem,
      WXPAY_KEY_PEM_PATH: certs.otherKeyPem,
    });
    expect(issues[0]).toMatch(/^WXPAY_KEY_PEM_PATH: .* is not the private key/);
  });

  it('when the certificate is issued to another mch_id, then start-up fails', () => {
    const issues = issuesOf({
      ...valid,
      WXPAY_MCHID: '1900000110',
      WXPAY_CERT_P12_PATH: '',
      WXPAY_CERT_PEM_PATH: certs.certPem,
      WXPAY_KEY_PEM_PATH: certs.keyPem,
    });
    expect(issues[0]).toMatch(/not issued to mch_id 1900000110/);
  });

  it('when the .p12 password is wrong or the file is missing, then start-up fails with a hint', () => {
    expect(issuesOf({ ...valid, WXPAY_CERT_P12_PASSPHRASE: 'wrong' })[0]).toMatch(
      /cannot be opened.*password is the mch_id/,
    );
    expect(issuesOf({ ...valid, WXPAY_CERT_P12_PATH: '/nonexistent.p12' })[0]).toMatch(
      /cannot read \/nonexistent.p12 \(ENOENT\)/,
    );
  });
});
