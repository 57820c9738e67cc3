import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { issuesOf, minimalEnv, useDemoMerchantCerts } from '../helpers/config-env.js';
import { makeProductionEnv } from './production-env.js';

// Alerts name orders and amounts, and a WeCom robot's URL carries its key: production sends them
// over HTTPS only (issue 16 §3).
const production = makeProductionEnv();
afterAll(() => production.cleanup());
const certs = useDemoMerchantCerts();
const robot = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=robot-key-0001';

describe('ALERT_WEBHOOK_URL in production', () => {
  it('when it is https://, then it loads, in the WeCom format by default', () => {
    const config = loadConfig({ ...production.env, ALERT_WEBHOOK_URL: robot });
    expect(config.alerts).toEqual({ webhookUrl: robot, format: 'wecom' });
  });

  it('when it is http://, then it is the one problem named, without echoing the URL', () => {
    const plain = robot.replace('https:', 'http:');
    const issues = issuesOf({ ...production.env, ALERT_WEBHOOK_URL: plain });
    expect(issues).toEqual([expect.stringMatching(/^ALERT_WEBHOOK_URL: must be https:\/\//)]);
    expect(issues.join('\n')).not.toContain('robot-key-0001');
  });

  it('when it is http:// in sandbox mode, then it loads (a local receiver), in the format asked', () => {
    const local = 'http://127.0.0.1:9/hook';
    const config = loadConfig({
      ...minimalEnv(certs),
      ALERT_WEBHOOK_URL: local,
      ALERT_WEBHOOK_FORMAT: 'json',
    });
    expect(config.alerts).toEqual({ webhookUrl: local, format: 'json' });
    expect(issuesOf({ ...minimalEnv(certs), ALERT_WEBHOOK_FORMAT: 'slack' })).toEqual([
      expect.stringMatching(/^ALERT_WEBHOOK_FORMAT: /),
    ]);
  });

  it('when it is not a URL, then the schema names it, in any mode', () => {
    const issues = issuesOf({ ...production.env, ALERT_WEBHOOK_URL: 'not a url' });
    expect(issues).toEqual([expect.stringMatching(/^ALERT_WEBHOOK_URL: /)]);
  });
});
