import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parseEnv } from 'node:util';
import { serverEnv } from '@fen/demo';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import type { Config } from '../src/config.js';
import { issuesOf, minimalEnv, useDemoMerchantCerts } from './helpers/config-env.js';

const certs = useDemoMerchantCerts();
const valid = minimalEnv(certs);

describe('loadConfig', () => {
  it('when every key is valid, then it returns the config with defaults filled in', () => {
    const config = loadConfig(valid);
    expect(config.port).toBe(3000);
    expect(config.pay.signType).toBe('MD5');
    // WeChat's bases default to WeChat's hosts: test/production/production-mode.test.ts.
    expect(config.mode).toBe('sandbox');
    expect(config.redisUrl).toBeUndefined();
    // The .p12 (WeChat's legacy format) is read out into PEM at start.
    expect(config.pay.certificate.cert).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(config.pay.certificate.key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(config.reconcile.intervalSeconds).toBe(60);
    expect(config.trustProxy).toBe(0);
    expect(config.limits).toEqual({
      guestSessionsPerMinute: 30,
      loginsPerMinute: 60,
      orderActionsPerMinute: 30,
      orderActionsPerIpPerMinute: 600,
      syncIntervalSeconds: 3,
      syncsPerMinute: 60,
      maxChannelSwitches: 4,
    });
  });

  it('when TRUST_PROXY is a hop count or the older true / false, then it is that many hops', () => {
    for (const [given, hops] of [
      ['0', 0],
      ['2', 2],
      ['true', 1],
      ['false', 0],
    ] as const) {
      expect(loadConfig({ ...valid, TRUST_PROXY: given }).trustProxy, given).toBe(hops);
    }
    for (const bad of ['yes-please', '-1', '1.5', '11']) {
      expect(issuesOf({ ...valid, TRUST_PROXY: bad }).join('\n'), bad).toMatch(/^TRUST_PROXY: /);
    }
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
    expect(issues[0]).toMatch(/not to mch_id 1900000110 \(WXPAY_MCHID\)/);
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

/** The problems loadConfig reports; none when it loads. */
function problemsWith(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
}

describe('apps/server/.env.example', () => {
  const repoRoot = join(import.meta.dirname, '../../..');
  const text = readFileSync(join(repoRoot, 'apps/server/.env.example'), 'utf8');
  const example = parseEnv(text);
  /** Lines like `# KEY=value`: alternatives the file documents, switched off. */
  const commentedOut = parseEnv(
    text
      .split('\n')
      .filter((line) => /^#\s*[A-Z][A-Z0-9_]*=/.test(line))
      .map((line) => line.replace(/^#\s*/, ''))
      .join('\n'),
  );
  /** Paths in the file are relative to the repository root, where `npm start` runs the server. */
  const rooted = (env: Record<string, string | undefined>) =>
    Object.fromEntries(
      Object.entries(env).map(([key, value]) => [
        key,
        key.endsWith('_PATH') && value && !isAbsolute(value) ? join(repoRoot, value) : value,
      ]),
    );
  /** What scripts/start.mjs adds on top of the file: the database, Redis, the sandbox's URLs. */
  const STACK = {
    MONGODB_URI: 'mongodb://127.0.0.1:27017/fen',
    REDIS_URL: 'redis://127.0.0.1:6379',
    WX_API_BASE: 'http://127.0.0.1:3100',
    WXPAY_API_BASE: 'http://127.0.0.1:3100',
    WXPAY_SECAPI_BASE: 'https://127.0.0.1:3101',
    WXPAY_CA_CERT_PATH: 'apps/wx-sandbox/certs/ca.pem',
    WXPAY_NOTIFY_URL: 'http://127.0.0.1:3000/wxpay/notify',
    WXPAY_REFUND_NOTIFY_URL: 'http://127.0.0.1:3000/wxpay/refund-notify',
    WX_OAUTH_BASE: 'http://127.0.0.1:3100',
    PUBLIC_URL: 'http://127.0.0.1:3000',
  };

  /**
   * Where keys of the file end up in the config, as the string the file would hold. Every key of
   * the file is also checked below to be read at all (a malformed value is named).
   */
  const READS: Record<string, (config: Config) => string | undefined> = {
    PORT: (c) => String(c.port),
    HOST: (c) => c.host,
    MONGODB_URI: (c) => c.mongodbUri,
    REDIS_URL: (c) => c.redisUrl,
    WX_APPID: (c) => c.wx.appId,
    WX_APPSECRET: (c) => c.wx.appSecret,
    WXPAY_MCHID: (c) => c.pay.mchId,
    WXPAY_KEY: (c) => c.pay.key,
    WXPAY_SIGN_TYPE: (c) => c.pay.signType,
    WXPAY_NOTIFY_URL: (c) => c.pay.notifyUrl,
    WXPAY_REFUND_NOTIFY_URL: (c) => c.pay.refundNotifyUrl,
    WXPAY_CERT_P12_PATH: (c) =>
      c.pay.certificate.key.includes('PRIVATE KEY') ? 'a .p12' : undefined,
    WXPAY_CA_CERT_PATH: (c) => (c.pay.ca?.includes('BEGIN CERTIFICATE') ? 'a PEM' : undefined),
    WX_API_BASE: (c) => c.wx.apiBase,
    WXPAY_API_BASE: (c) => c.pay.apiBase,
    WXPAY_SECAPI_BASE: (c) => c.pay.secapiBase,
    SESSION_SECRET: (c) => c.session.secret,
    SESSION_TTL_SECONDS: (c) => String(c.session.ttlSeconds),
    ADMIN_TOKEN: (c) => c.adminToken,
    ORDER_TTL_MINUTES: (c) => String(c.orderTtlMinutes),
    TRUST_PROXY: (c) => String(c.trustProxy),
    RECONCILE_ENABLED: (c) => String(c.reconcile.enabled),
    RECONCILE_INTERVAL_SECONDS: (c) => String(c.reconcile.intervalSeconds),
    RECONCILE_PENDING_AFTER_SECONDS: (c) => String(c.reconcile.pendingAfterSeconds),
    RECONCILE_REFUND_AFTER_SECONDS: (c) => String(c.reconcile.refundAfterSeconds),
    RECONCILE_BATCH_SIZE: (c) => String(c.reconcile.batchSize),
    RECONCILE_LEASE_SECONDS: (c) => String(c.reconcile.leaseSeconds),
    SHUTDOWN_TIMEOUT_MS: (c) => String(c.shutdownTimeoutMs),
    LOG_LEVEL: (c) => c.logLevel,
  };
  const expected = (key: string, value: string) =>
    key === 'WXPAY_CERT_P12_PATH' ? 'a .p12' : key === 'WXPAY_CA_CERT_PATH' ? 'a PEM' : value;

  it('when the server starts as npm start runs it, then the file and the stack load and every value is the one used', () => {
    const env: Record<string, string> = { ...example, ...STACK };
    const config = loadConfig(rooted(env));
    for (const [key, read] of Object.entries(READS)) {
      expect(env[key], `${key} is missing from .env.example`).toBeDefined();
      expect(read(config), key).toBe(expected(key, env[key] ?? ''));
    }
  });

  it('when the one builder (@fen/demo serverEnv) makes the demo stack, then .env.example holds the same values', () => {
    const built = serverEnv({
      port: 3000,
      databaseUri: example.MONGODB_URI ?? '',
      sandbox: { url: 'http://127.0.0.1:3100', tlsUrl: 'https://127.0.0.1:3101' },
      certsDir: 'apps/wx-sandbox/certs',
    });
    const documented = { ...commentedOut, ...example };
    for (const [key, value] of Object.entries(built)) expect(documented[key], key).toBe(value);
    // A required setting the builder left out would fail here: what it builds loads.
    expect(() => loadConfig(rooted(built))).not.toThrow();
  });

  it('when the file is used on its own (no stack), then it loads too; REDIS_URL= means no Redis', () => {
    const config = loadConfig(rooted(example));
    expect(config.redisUrl).toBeUndefined();
    expect(config.mongodbUri).toBe(example.MONGODB_URI);
    expect(config.pay.notifyUrl).toBe(example.WXPAY_NOTIFY_URL);
  });

  it('when any key of the file is malformed, then loadConfig names that key (so the server reads it)', () => {
    const env = rooted({ ...example, ...STACK });
    for (const key of Object.keys(example)) {
      // Some keys take '' as "not set" or any text: one of these values is wrong for each.
      const named = ['', 'not valid !', '-1'].some((bad) =>
        problemsWith({ ...env, [key]: bad }).some(
          (issue) => issue.startsWith(`${key}:`) || issue.startsWith(`${key} `),
        ),
      );
      expect(named, key).toBe(true);
    }
  });

  it('when the commented-out PEM alternative is switched on instead of the .p12, then it loads', () => {
    expect(Object.keys(commentedOut)).toEqual(
      expect.arrayContaining(['WXPAY_CERT_PEM_PATH', 'WXPAY_KEY_PEM_PATH']),
    );
    const config = loadConfig(
      rooted({ ...example, ...STACK, ...commentedOut, WXPAY_CERT_P12_PATH: '' }),
    );
    expect(config.pay.certificate).toHaveProperty('cert');
    expect(config.pay.certificate).toHaveProperty('key');
  });
});
