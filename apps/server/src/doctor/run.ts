import type { Config } from '../config.js';
import { channelAppIds } from '../services/pay-channels.js';
import { checkAppSecret } from './app-secret-check.js';
import type { AppCredentials } from './app-secret-check.js';
import { formatResult, skip } from './check.js';
import type { CheckResult } from './check.js';
import { CLOCK_CHECK, checkClock } from './clock-check.js';
import { checkConfiguration } from './config-check.js';
import { CERTIFICATE_CHECK, checkMerchantCertificate } from './merchant-certificate-check.js';
import { checkNotifyUrl } from './notify-url-check.js';
import { checkPayKey } from './pay-key-check.js';
import { openSharedCache } from './redis-check.js';
import { checkV3 } from './v3-checks.js';

export type { CheckResult, CheckStatus } from './check.js';
export { formatResult } from './check.js';

export interface DoctorOptions {
  /** Bounds each network call (ms). Default `WXPAY_TIMEOUT_MS`, at most 10 s. */
  timeoutMs?: number;
  /**
   * An extra CA trusted for the notify URL checks only. Tests use it for their own HTTPS server;
   * a real run trusts what Node trusts (`NODE_EXTRA_CA_CERTS` included), as WeChat would.
   */
  notifyUrlCa?: string;
}

export interface DoctorReport {
  results: CheckResult[];
  /** False when any check failed (warnings pass). */
  passed: boolean;
  /** The report as printed: one line per check. */
  lines: string[];
}

/**
 * `fen doctor`: checks a configuration against the WeChat it names, read-only. Nothing here
 * creates an order, spends a token fetch the cache can spare, or prints a secret.
 */
export async function runDoctor(
  env: Record<string, string | undefined>,
  options: DoctorOptions = {},
): Promise<DoctorReport> {
  const { result, config } = checkConfiguration(env);
  const results = [result];
  if (config) results.push(...(await checkAgainstWeChat(config, env, options)));
  else results.push(skip('WeChat checks', 'not run: fix the configuration first'));
  return {
    results,
    passed: results.every((r) => r.status !== 'fail'),
    lines: results.map(formatResult),
  };
}

async function checkAgainstWeChat(
  config: Config,
  env: Record<string, string | undefined>,
  options: DoctorOptions,
): Promise<CheckResult[]> {
  const timeoutMs = options.timeoutMs ?? Math.min(config.pay.timeoutMs, 10_000);
  const { pay, wx } = config;
  const cache = await openSharedCache(config, timeoutMs);
  try {
    const payBase = pay.v3
      ? { url: pay.v3.apiBase, setting: 'WXPAY_V3_API_BASE' }
      : { url: pay.apiBase, setting: 'WXPAY_API_BASE' };
    const notifyOptions = {
      timeoutMs,
      production: env.FEN_ENV?.trim() === 'production',
      ...(options.notifyUrlCa ? { ca: options.notifyUrlCa } : {}),
    };
    const payAppIds = [
      ...new Set(Object.values(channelAppIds(wx)).filter((id) => id !== undefined)),
    ];
    // Independent of each other: run together, so the whole stays within a few timeouts; the
    // lines keep this order.
    const checks: Array<Promise<CheckResult | CheckResult[]>> = [
      ...appsWithSecrets(config).map((app) =>
        checkAppSecret(app, {
          apiBase: wx.apiBase,
          timeoutMs,
          ...(cache.tokenCache ? { tokenCache: cache.tokenCache } : {}),
          ...(pay.ca ? { ca: pay.ca } : {}),
        }),
      ),
      ...(pay.v3
        ? [checkV3(config, pay.v3, timeoutMs)]
        : [
            ...payAppIds.map((appId) => checkPayKey(config, appId, timeoutMs)),
            checkMerchantCertificate(config, timeoutMs),
          ]),
      checkClock(payBase.url, payBase.setting, timeoutMs, pay.ca),
      checkNotifyUrl('WXPAY_NOTIFY_URL', pay.notifyUrl, notifyOptions),
      checkNotifyUrl('WXPAY_REFUND_NOTIFY_URL', pay.refundNotifyUrl, notifyOptions),
    ];
    return [cache.result, ...(await Promise.all(checks)).flat()];
  } finally {
    await cache.close();
  }
}

function appsWithSecrets(config: Config): AppCredentials[] {
  const { wx } = config;
  const apps: AppCredentials[] = [
    {
      kind: 'mini-program',
      appId: wx.appId,
      appSecret: wx.appSecret,
      appIdSetting: 'WX_APPID',
      secretSetting: 'WX_APPSECRET',
    },
  ];
  if (wx.officialAccount) {
    apps.push({
      kind: 'official account',
      ...wx.officialAccount,
      appIdSetting: 'WX_OA_APPID',
      secretSetting: 'WX_OA_APPSECRET',
    });
  }
  return apps;
}

export { CERTIFICATE_CHECK, CLOCK_CHECK };
