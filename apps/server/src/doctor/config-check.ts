import { ConfigError, loadConfig } from '../config.js';
import type { Config } from '../config.js';
import { fail, messageOf, ok } from './check.js';
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
    const mode = env.FEN_ENV?.trim() === 'production' ? 'production' : 'sandbox';
    return {
      config,
      result: ok(
        CONFIG_CHECK,
        `loads (${mode} mode, WeChat Pay API${config.pay.apiVersion}, mch_id ${config.pay.mchId})`,
      ),
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
