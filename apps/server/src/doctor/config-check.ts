import { ConfigError, loadConfig } from '../config.js';
import type { Config } from '../config.js';
import { certificateExpiryWarning } from '../production/certificate-checks.js';
import { fail, messageOf, ok, warn } from './check.js';
import type { CheckResult } from './check.js';

export const CONFIG_CHECK = 'configuration';

/**
 * The configuration as the server loads it: every rule of `loadConfig` (production mode's too),
 * every issue on the line. The messages are loadConfig's, which never echo a secret.
 */
export function checkConfiguration(env: Record<string, string | undefined>): {
  result: CheckResult;
  config?: Config;
} {
  try {
    const config = loadConfig(env);
    const loaded = `loads (${config.mode} mode, WeChat Pay API${config.pay.apiVersion}, mch_id ${config.pay.mchId})`;
    // Production reads the certificate's expiry: one that ends within 30 days loads, loudly.
    const notAfter = config.pay.certificateNotAfter;
    const expiring = notAfter && certificateExpiryWarning(notAfter, new Date());
    return {
      config,
      result: expiring
        ? warn(CONFIG_CHECK, `${loaded}, but ${expiring}`)
        : ok(CONFIG_CHECK, loaded),
    };
  } catch (err) {
    if (err instanceof ConfigError) {
      return {
        result: fail(
          CONFIG_CHECK,
          `${err.issues.length} problem(s): ${err.issues.join('; ')} (see docs/configuration.md)`,
        ),
      };
    }
    return { result: fail(CONFIG_CHECK, `cannot be loaded: ${messageOf(err)}`) };
  }
}
