import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { DEMO_MERCHANT, DEMO_OA_APP, DEMO_SERVER_SECRETS } from '@fen/demo';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { SPECIAL_USE_SUFFIXES } from '../../src/production/public-url.js';
import { issuesOf } from '../helpers/config-env.js';
import { makeProductionEnv } from './production-env.js';

const production = makeProductionEnv();
afterAll(() => production.cleanup());
const valid = production.env;

/** The one issue about `setting`, asserted to be the only one: each refusal stands alone. */
function onlyIssue(env: Record<string, string | undefined>, setting: string): string {
  const issues = issuesOf(env);
  expect(issues, issues.join('\n')).toHaveLength(1);
  expect(issues[0]).toMatch(new RegExp(`^${setting}: `));
  return issues[0]!;
}

describe('production mode (FEN_ENV=production)', () => {
  it('when every setting is safe, then it loads, talking to WeChat’s own hosts', () => {
    const config = loadConfig(valid);
    expect(config.mode).toBe('production');
    expect(config.wx.apiBase).toBe('https://api.weixin.qq.com');
    expect(config.wx.oauthBase).toBe('https://open.weixin.qq.com');
    expect(config.pay.apiBase).toBe('https://api.mch.weixin.qq.com');
    expect(config.pay.secapiBase).toBe('https://api.mch.weixin.qq.com');
    expect(config.pay.ca).toBeUndefined();
    expect(config.pay.certificateNotAfter?.getTime()).toBeGreaterThan(
      Date.now() + 300 * 86_400_000,
    );
  });

  it('when FEN_ENV is neither sandbox nor production, then it is named', () => {
    expect(issuesOf({ ...valid, FEN_ENV: 'prod' })[0]).toMatch(/^FEN_ENV: /);
  });

  describe('published secrets', () => {
    const published = {
      SESSION_SECRET: DEMO_SERVER_SECRETS.sessionSecret,
      ADMIN_TOKEN: DEMO_SERVER_SECRETS.adminToken,
      WXPAY_KEY: DEMO_MERCHANT.key,
      WXPAY_V3_KEY: DEMO_MERCHANT.apiV3Key,
      WX_APPSECRET: DEMO_MERCHANT.appSecret,
      WX_OA_APPSECRET: DEMO_OA_APP.secret,
    };
    for (const [setting, value] of Object.entries(published)) {
      it(`when ${setting} is the published demo value, then it is refused without echoing it`, () => {
        const env = {
          ...valid,
          [setting]: value,
          ...(setting === 'WX_OA_APPSECRET' ? { WX_OA_APPID: 'wx1234567890abcdef' } : {}),
        };
        const issue = onlyIssue(env, setting);
        expect(issue).toContain('is a published demo value');
        expect(issue).not.toContain(value);
      });
    }

    it("when ADMIN_TOKENS lists the hash of the published admin token, then that operator's token is refused", () => {
      const hash = createHash('sha256').update(DEMO_SERVER_SECRETS.adminToken).digest('hex');
      const other = createHash('sha256').update('a token only this test knows').digest('hex');
      expect(
        onlyIssue({ ...valid, ADMIN_TOKENS: `ops:${other},demo:${hash}` }, 'ADMIN_TOKENS'),
      ).toMatch(/^ADMIN_TOKENS: operator demo's token is a published demo value/);
    });

    it('when a published value is retyped in upper case, then it is still refused', () => {
      expect(
        onlyIssue(
          { ...valid, WX_APPSECRET: DEMO_MERCHANT.appSecret.toUpperCase() },
          'WX_APPSECRET',
        ),
      ).toContain('is a published demo value');
    });
  });

  describe('weak secrets (rules stated in docs/configuration.md)', () => {
    const weak: Array<[setting: string, value: string, rule: RegExp]> = [
      [
        'SESSION_SECRET',
        'a'.repeat(48),
        /at least 32 characters with at least 8 different characters/,
      ],
      ['SESSION_SECRET', '0123456'.repeat(6), /at least 8 different characters/],
      ['ADMIN_TOKEN', 'Q7x!k2Lm9pZr4tWv', /at least 24 characters/],
      [
        'WXPAY_KEY',
        'ab'.repeat(16),
        /exactly 32 letters or digits .* at least 8 different characters/,
      ],
      ['WXPAY_V3_KEY', '1234567'.repeat(4) + '1234', /exactly 32 letters or digits/],
      ['WXPAY_V3_KEY', 'k9'.repeat(15) + '!?', /exactly 32 letters or digits/],
      ['WX_APPSECRET', 'zyxwvutsrqponmlkjihgfedcbaZYXWVU', /32 hexadecimal characters/],
    ];
    for (const [setting, value, rule] of weak) {
      it(`when ${setting} is ${value.length} characters like ${value.slice(0, 4)}…, then it is refused stating the rule`, () => {
        const issue = onlyIssue({ ...valid, [setting]: value }, setting);
        expect(issue).toContain('too weak for production');
        expect(issue).toMatch(rule);
        expect(issue).not.toContain(value);
      });
    }

    it('when a secret is already refused by its shape, then it is named once, not twice', () => {
      const issues = issuesOf({ ...valid, SESSION_SECRET: 'short' });
      expect(issues.filter((issue) => issue.startsWith('SESSION_SECRET'))).toHaveLength(1);
    });
  });

  describe("WeChat's bases", () => {
    const bases: Array<
      [setting: string, url: string, reason: RegExp, extra?: Record<string, string>]
    > = [
      ['WX_API_BASE', 'http://api.weixin.qq.com', /must be https:\/\//],
      [
        'WX_OAUTH_BASE',
        'https://localhost',
        /must name a public host \(localhost: .localhost is never public\)/,
      ],
      ['WXPAY_API_BASE', 'https://10.0.0.8', /not an IP address \(10.0.0.8\)/],
      ['WXPAY_SECAPI_BASE', 'https://127.0.0.1:3101', /is the sandbox's default address/],
      ['WXPAY_API_BASE', 'http://127.0.0.1:3100', /is the sandbox's default address/],
      ['WXPAY_SECAPI_BASE', 'https://[::1]:8443', /not an IP address/],
      ['WX_API_BASE', 'https://wechat-stub.internal', /.internal is never public/],
    ];
    for (const [setting, url, reason] of bases) {
      it(`when ${setting} is ${url}, then it is refused`, () => {
        const issue = onlyIssue({ ...valid, [setting]: url }, setting);
        expect(issue).toMatch(reason);
        expect(issue).toContain('leave it unset');
      });
    }

    it('when the server speaks APIv3, then WXPAY_V3_API_BASE is checked too', () => {
      const issue = onlyIssue(
        {
          ...valid,
          WXPAY_API_VERSION: 'v3',
          WXPAY_V3_API_BASE: 'http://127.0.0.1:3100',
          WXPAY_NOTIFY_URL: `${valid.PUBLIC_URL}/wxpay/v3/notify`,
          WXPAY_REFUND_NOTIFY_URL: `${valid.PUBLIC_URL}/wxpay/v3/refund-notify`,
        },
        'WXPAY_V3_API_BASE',
      );
      expect(issue).toMatch(/sandbox's default address/);
    });

    it('when WXPAY_CA_CERT_PATH is set, then it is refused (the sandbox CA key is public)', () => {
      const issue = onlyIssue(
        {
          ...valid,
          WXPAY_CA_CERT_PATH: join(import.meta.dirname, '../../../wx-sandbox/certs/ca.pem'),
        },
        'WXPAY_CA_CERT_PATH',
      );
      expect(issue).toMatch(/must not be set in production.*impersonate WeChat/);
    });

    it('when WEB_SANDBOX_URL is set, then it is refused', () => {
      const issue = onlyIssue(
        { ...valid, WEB_SANDBOX_URL: 'https://sandbox.fen-topology.net' },
        'WEB_SANDBOX_URL',
      );
      expect(issue).toMatch(/must not be set in production.*WeixinJSBridge/);
    });
  });

  describe('PUBLIC_URL and the notify URLs', () => {
    it('when PUBLIC_URL is unset, then it is required', () => {
      expect(onlyIssue({ ...valid, PUBLIC_URL: '' }, 'PUBLIC_URL')).toMatch(
        /required in production/,
      );
    });

    const hosts: Array<[host: string, reason: RegExp]> = [
      ['203.0.113.7', /not an IP address/],
      ['[2001:db8::1]', /not an IP address/],
      ['localhost', /.localhost is never public/],
      ['shop', /single-label name/],
      ...SPECIAL_USE_SUFFIXES.map((suffix): [string, RegExp] => [
        `shop.${suffix}`,
        new RegExp(`\\.${suffix.replace('.', '\\.')} is never public`),
      ]),
    ];
    for (const [host, reason] of hosts) {
      it(`when the notify URL's host is ${host}, then it is refused`, () => {
        const issue = onlyIssue(
          { ...valid, WXPAY_NOTIFY_URL: `https://${host}/wxpay/notify` },
          'WXPAY_NOTIFY_URL',
        );
        expect(issue).toMatch(reason);
      });
    }

    it('when PUBLIC_URL or the refund notify URL is http://, then each is refused', () => {
      const issues = issuesOf({
        ...valid,
        PUBLIC_URL: 'http://shop.fen-topology.net',
        WXPAY_REFUND_NOTIFY_URL: 'http://shop.fen-topology.net/wxpay/refund-notify',
      });
      expect(issues).toEqual([
        expect.stringMatching(/^PUBLIC_URL: must be https:\/\/ \(is http:\/\/\)/),
        expect.stringMatching(/^WXPAY_REFUND_NOTIFY_URL: must be https:\/\/ .*only to https:\/\//),
      ]);
    });
  });

  it('when REDIS_URL is unset, then it is required', () => {
    expect(onlyIssue({ ...valid, REDIS_URL: '' }, 'REDIS_URL')).toMatch(
      /required in production.*rate limits/,
    );
  });

  it('when everything is wrong at once, then every problem is listed in one error, no secret in it', () => {
    const env = {
      ...valid,
      SESSION_SECRET: DEMO_SERVER_SECRETS.sessionSecret,
      ADMIN_TOKEN: 'x'.repeat(30),
      WXPAY_KEY: DEMO_MERCHANT.key,
      WX_APPSECRET: DEMO_MERCHANT.appSecret,
      WX_API_BASE: 'http://127.0.0.1:3100',
      WXPAY_SECAPI_BASE: 'https://127.0.0.1:3101',
      WXPAY_CA_CERT_PATH: join(import.meta.dirname, '../../../wx-sandbox/certs/ca.pem'),
      WEB_SANDBOX_URL: 'http://127.0.0.1:3100',
      PUBLIC_URL: 'http://127.0.0.1:3000',
      WXPAY_NOTIFY_URL: 'http://127.0.0.1:3000/wxpay/notify',
      WXPAY_REFUND_NOTIFY_URL: 'https://shop.local/wxpay/refund-notify',
      REDIS_URL: '',
      // The certificate of another mch_id (its .p12 password is that mch_id).
      WXPAY_MCHID: '1230000110',
      WXPAY_CERT_P12_PASSPHRASE: valid.WXPAY_MCHID,
      PORT: 'eighty',
    };
    const issues = issuesOf(env);
    expect(issues.map((issue) => issue.split(':')[0])).toEqual([
      'PORT',
      // The certificate is checked as it is loaded, in any mode, before production's rules.
      'WXPAY_CERT_P12_PATH',
      'SESSION_SECRET',
      'ADMIN_TOKEN',
      'WXPAY_KEY',
      'WX_APPSECRET',
      'WX_API_BASE',
      'WXPAY_SECAPI_BASE',
      'WXPAY_CA_CERT_PATH',
      'WEB_SANDBOX_URL',
      'PUBLIC_URL',
      'WXPAY_NOTIFY_URL',
      'WXPAY_REFUND_NOTIFY_URL',
      'REDIS_URL',
    ]);
    const text = issues.join('\n');
    for (const secret of [env.SESSION_SECRET, env.ADMIN_TOKEN, env.WXPAY_KEY, env.WX_APPSECRET]) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('sandbox mode pointed at the real WeChat', () => {
  const repoRoot = join(import.meta.dirname, '../../../..');
  const example = parseEnv(readFileSync(join(repoRoot, 'apps/server/.env.example'), 'utf8'));

  it('when .env.example is used with the sandbox URLs removed, then it refuses to start: set FEN_ENV=production', () => {
    const env: Record<string, string | undefined> = {
      ...example,
      WXPAY_CERT_P12_PATH: join(repoRoot, example.WXPAY_CERT_P12_PATH ?? ''),
      WXPAY_CA_CERT_PATH: join(repoRoot, example.WXPAY_CA_CERT_PATH ?? ''),
    };
    for (const key of Object.keys(env)) if (key.endsWith('_BASE')) delete env[key];
    const issues = issuesOf(env);
    expect(issues.map((issue) => issue.split(':')[0])).toEqual([
      'WX_API_BASE',
      'WX_OAUTH_BASE',
      'WXPAY_API_BASE',
      'WXPAY_SECAPI_BASE',
    ]);
    for (const issue of issues) {
      expect(issue).toMatch(
        /is WeChat's real host \(the default when unset\), but FEN_ENV is not production: set FEN_ENV=production/,
      );
    }
  });

  it('when one base names a WeChat host explicitly (any of its domains), then that one is refused', () => {
    for (const host of ['api2.mch.weixin.qq.com', 'api.mch.weixin.qq.com', 'api2.wechatpay.cn']) {
      const env = {
        ...example,
        WXPAY_CERT_P12_PATH: join(repoRoot, example.WXPAY_CERT_P12_PATH ?? ''),
        WXPAY_CA_CERT_PATH: join(repoRoot, example.WXPAY_CA_CERT_PATH ?? ''),
        WXPAY_SECAPI_BASE: `https://${host}`,
      };
      expect(issuesOf(env)).toEqual([
        expect.stringMatching(
          new RegExp(
            `^WXPAY_SECAPI_BASE: ${host} is WeChat's real host, but FEN_ENV is not production`,
          ),
        ),
      ]);
    }
  });
});
