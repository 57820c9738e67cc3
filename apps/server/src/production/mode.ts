import { envSchema } from '../config-schema.js';

/** `FEN_ENV`: `sandbox` (the default) talks to the local sandbox; `production` to WeChat. */
export type FenMode = 'sandbox' | 'production';

/** WeChat's own domains: a base URL on one of them (or under it) is the real WeChat. */
export const WECHAT_DOMAINS = [
  'weixin.qq.com',
  'wechatpay.cn',
  'wechat.com',
  'tenpay.com',
] as const;

export function isWeChatHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return WECHAT_DOMAINS.some((domain) => host === domain || host.endsWith(`.${domain}`));
}

/** The mode `env` asks for; anything but `production` is the sandbox (the schema names typos). */
export function modeOf(env: Record<string, string | undefined>): FenMode {
  return env.FEN_ENV?.trim() === 'production' ? 'production' : 'sandbox';
}

/** A setting as the schema reads it: trimmed, and empty meaning unset. */
export function settingOf(
  env: Record<string, string | undefined>,
  name: string,
): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

export interface WeChatBase {
  setting:
    'WX_API_BASE' | 'WX_OAUTH_BASE' | 'WXPAY_API_BASE' | 'WXPAY_SECAPI_BASE' | 'WXPAY_V3_API_BASE';
  url: string;
  /** True when the setting is unset and `url` is its default (WeChat's host). */
  defaulted: boolean;
}

const schemaDefault = (
  name: 'WX_API_BASE' | 'WX_OAUTH_BASE' | 'WXPAY_API_BASE' | 'WXPAY_V3_API_BASE',
) => String(envSchema.shape[name].parse(undefined));

/**
 * Every WeChat base the server will call, with the defaults filled in as the schema fills them
 * (unset means WeChat's real host). `WXPAY_V3_API_BASE` only counts with `WXPAY_API_VERSION=v3`.
 */
export function wechatBases(env: Record<string, string | undefined>): WeChatBase[] {
  const base = (setting: WeChatBase['setting'], fallback: () => string): WeChatBase => {
    const value = settingOf(env, setting);
    return value === undefined
      ? { setting, url: fallback(), defaulted: true }
      : { setting, url: value, defaulted: false };
  };
  const payBase = base('WXPAY_API_BASE', () => schemaDefault('WXPAY_API_BASE'));
  const bases = [
    base('WX_API_BASE', () => schemaDefault('WX_API_BASE')),
    base('WX_OAUTH_BASE', () => schemaDefault('WX_OAUTH_BASE')),
    payBase,
    base('WXPAY_SECAPI_BASE', () => payBase.url),
  ];
  if (settingOf(env, 'WXPAY_API_VERSION') === 'v3') {
    bases.push(base('WXPAY_V3_API_BASE', () => schemaDefault('WXPAY_V3_API_BASE')));
  }
  return bases;
}

const hostOf = (url: string) => {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
};

/**
 * Sandbox mode pointed at the real WeChat is a production deployment that skipped every
 * production check: refused, one line per base, so it cannot happen by accident.
 */
export function accidentalSandboxIssues(env: Record<string, string | undefined>): string[] {
  return wechatBases(env)
    .filter((base) => isWeChatHost(hostOf(base.url) ?? ''))
    .map(
      (base) =>
        `${base.setting}: ${hostOf(base.url)} is WeChat's real host${base.defaulted ? ' (the default when unset)' : ''}, but FEN_ENV is not production: set FEN_ENV=production to go live (its checks then apply), or point ${base.setting} at the sandbox`,
    );
}
