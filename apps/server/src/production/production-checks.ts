import { X509Certificate } from 'node:crypto';
import type { MerchantCertificate } from '../config-certificates.js';
import { parseOperators } from '../http/operators.js';
import { publishedCertificateIssue } from './certificate-checks.js';
import { settingOf, wechatBases } from './mode.js';
import { publicHttpsProblem } from './public-url.js';
import { isHashOfPublishedSecret, isPublishedSecret } from './published-secrets.js';
import { SECRET_RULES, SECRET_SETTINGS } from './secret-strength.js';
import type { SecretSetting } from './secret-strength.js';

type Env = Record<string, string | undefined>;

/** What to do about a published or weak secret: where the real one comes from. */
const REPLACE_WITH: Record<SecretSetting, string> = {
  SESSION_SECRET: 'generate one, e.g. `openssl rand -hex 32`',
  ADMIN_TOKEN: 'generate one, e.g. `openssl rand -base64 32`',
  WXPAY_KEY: 'set a new APIv2 key in 商户平台 → 账户中心 → API安全 → 设置APIv2密钥',
  WXPAY_V3_KEY: 'set a new APIv3 key in 商户平台 → 账户中心 → API安全 → 设置APIv3密钥',
  WX_APPSECRET:
    "use the mini-program's AppSecret from 微信公众平台 → 开发管理 → 开发设置 (reset it if it was ever shared)",
  WX_OA_APPSECRET:
    "use the official account's AppSecret from 微信公众平台 → 设置与开发 → 基本配置 (reset it if it was ever shared)",
};

function secretIssues(env: Env, flagged: ReadonlySet<string>): string[] {
  const issues: string[] = [];
  for (const setting of SECRET_SETTINGS) {
    const value = settingOf(env, setting);
    if (value === undefined) continue;
    if (isPublishedSecret(value)) {
      issues.push(
        `${setting}: is a published demo value (apps/server/.env.example, @fen/demo, the sandbox), so it protects nothing: ${REPLACE_WITH[setting]}`,
      );
    } else if (!flagged.has(setting) && !SECRET_RULES[setting].holds(value)) {
      issues.push(
        `${setting}: too weak for production: must be ${SECRET_RULES[setting].rule}; ${REPLACE_WITH[setting]}`,
      );
    }
  }
  // ADMIN_TOKENS holds `name:sha256hex` pairs: a hash of a published token is that token. (A
  // malformed entry is reported by loadConfig, which reads the setting the same way.)
  for (const { name, tokenSha256 } of parseOperators(settingOf(env, 'ADMIN_TOKENS'), undefined)
    .operators) {
    if (isHashOfPublishedSecret(tokenSha256.toString('hex'))) {
      issues.push(
        `ADMIN_TOKENS: operator ${name}'s token is a published demo value: ${REPLACE_WITH.ADMIN_TOKEN}, and list its SHA-256`,
      );
    }
  }
  return issues;
}

/** The sandbox's own addresses (`pnpm sandbox`: 3100 plain, 3101 mutual TLS). */
function isSandboxDefault(url: string): boolean {
  try {
    const { hostname, port } = new URL(url);
    return (
      ['127.0.0.1', 'localhost', '[::1]'].includes(hostname) && ['3100', '3101'].includes(port)
    );
  } catch {
    return false;
  }
}

function wechatBaseIssues(env: Env): string[] {
  const issues: string[] = [];
  // An unset WXPAY_SECAPI_BASE is WXPAY_API_BASE: its problem is named once, there.
  for (const base of wechatBases(env).filter(
    (b) => b.setting !== 'WXPAY_SECAPI_BASE' || !b.defaulted,
  )) {
    const reason = isSandboxDefault(base.url)
      ? "is the sandbox's default address"
      : publicHttpsProblem(base.url);
    if (reason)
      issues.push(`${base.setting}: ${reason}; in production leave it unset (WeChat's own host)`);
  }
  if (settingOf(env, 'WXPAY_CA_CERT_PATH') !== undefined) {
    issues.push(
      "WXPAY_CA_CERT_PATH: must not be set in production: trusting an extra CA for WeChat Pay calls (the sandbox's CA key is in the repository) lets anyone on the path impersonate WeChat; remove it",
    );
  }
  if (settingOf(env, 'WEB_SANDBOX_URL') !== undefined) {
    issues.push(
      "WEB_SANDBOX_URL: must not be set in production: the checkout page would load the sandbox's WeixinJSBridge stand-in; remove it",
    );
  }
  return issues;
}

function publicUrlIssues(env: Env): string[] {
  const issues: string[] = [];
  const publicUrl = settingOf(env, 'PUBLIC_URL');
  if (publicUrl === undefined) {
    issues.push(
      'PUBLIC_URL: required in production: the https:// address browsers reach this server at (OAuth redirect_uri, H5 pay, the checkout page)',
    );
  } else {
    const reason = publicHttpsProblem(publicUrl);
    if (reason) issues.push(`PUBLIC_URL: ${reason}; browsers and WeChat must reach it over HTTPS`);
  }
  for (const setting of ['WXPAY_NOTIFY_URL', 'WXPAY_REFUND_NOTIFY_URL'] as const) {
    const url = settingOf(env, setting);
    const reason = url === undefined ? undefined : publicHttpsProblem(url);
    if (reason) {
      issues.push(
        `${setting}: ${reason}; WeChat posts notifications only to https:// on a public host name`,
      );
    }
  }
  return issues;
}

export interface ProductionReport {
  issues: string[];
  /** When the merchant certificate expires (for the expiry warning), when it could be read. */
  certificateNotAfter?: Date;
}

/**
 * Everything production refuses (issue 15 §1, docs/go-live.md), checked on the raw environment
 * so every problem is listed at once even when other settings are malformed. `flagged` names the
 * settings the schema already refused (their strength is not reported twice); `certificate` is
 * the merchant certificate as loaded, when it could be. Never echoes a secret.
 */
export function productionIssues(
  env: Env,
  certificate: MerchantCertificate | undefined,
  flagged: ReadonlySet<string>,
): ProductionReport {
  const issues = [...secretIssues(env, flagged), ...wechatBaseIssues(env), ...publicUrlIssues(env)];
  if (settingOf(env, 'REDIS_URL') === undefined) {
    issues.push(
      'REDIS_URL: required in production: every instance shares rate limits, the access_token cache and the job lease there',
    );
  }
  const alertUrl = settingOf(env, 'ALERT_WEBHOOK_URL');
  // A value the schema refused (not a URL) is named once, there.
  const alertUrlRefused = alertUrl === undefined || flagged.has('ALERT_WEBHOOK_URL');
  if (!alertUrlRefused && !alertUrl.toLowerCase().startsWith('https://')) {
    issues.push(
      "ALERT_WEBHOOK_URL: must be https:// in production: alerts name orders and amounts, and a robot's URL carries its key",
    );
  }
  if (!certificate) return { issues };
  // loadConfig has checked the certificate's key, dates and CN (config-certificates.ts).
  const cert = new X509Certificate(certificate.cert);
  const setting =
    settingOf(env, 'WXPAY_CERT_P12_PATH') === undefined
      ? 'WXPAY_CERT_PEM_PATH'
      : 'WXPAY_CERT_P12_PATH';
  const published = publishedCertificateIssue(cert, setting);
  if (published) issues.push(published);
  return { issues, certificateNotAfter: new Date(cert.validTo) };
}
