import { DEMO_MERCHANT } from '@fen/demo';
import { describe, expect, it } from 'vitest';
import { sandboxV3 } from '../server/helpers/v3-flow.js';
import { cert, expectOnlyFailures, lineOf, useDoctorStack } from './doctor-stack.js';

// `fen doctor` for a server speaking APIv3: the certificate download and its verification, the
// request signature made with the merchant certificate, and the clock APIv3 signatures need.
const stack = useDoctorStack('v3');
const KEYS_LINE = 'platform certificates (APIv3)';
const SIGNING_LINE = 'merchant certificate (APIv3 signing)';
const PUBLIC_KEY_LINE = 'WeChat Pay public key (APIv3)';

describe('fen doctor (APIv3)', { timeout: 30_000 }, () => {
  it('passes a correct configuration: the platform certificates download, decrypt and verify', async () => {
    const report = await stack.run(stack.env());
    expectOnlyFailures(report, {});
    expect(report.results.map((r) => r.name)).toEqual([
      'configuration',
      'Redis (shared token cache)',
      `AppSecret ${DEMO_MERCHANT.appId} (mini-program)`,
      'mch_id (APIv3)',
      SIGNING_LINE,
      KEYS_LINE,
      'clock',
      'WXPAY_NOTIFY_URL',
      'WXPAY_REFUND_NOTIFY_URL',
    ]);
    expect(lineOf(report, 'mch_id').message).toContain('ORDER_NOT_EXIST');
    expect(lineOf(report, KEYS_LINE).message).toMatch(
      /^1 downloaded, decrypted and verified \(3E5F0B7C2A91D4E6F8A0B1C2D3E4F5061728394A until/,
    );
  });

  it('in public-key mode, verifies replies with the WeChat Pay public key, and names a wrong one', async () => {
    const mode = await sandboxV3(stack.sandbox, 'mode', 'PUT', { mode: 'public_key' });
    try {
      const publicKeyEnv = (path: string) =>
        stack.env({
          WXPAY_PLATFORM_PUBLIC_KEY_ID: mode.signing_serial,
          WXPAY_PLATFORM_PUBLIC_KEY_PATH: path,
        });
      const report = await stack.run(publicKeyEnv(cert('wechatpay_pub_key.pem')));
      expectOnlyFailures(report, {});
      expect(lineOf(report, PUBLIC_KEY_LINE).message).toBe(
        `${mode.signing_serial} verifies WeChat's replies`,
      );
      // Another key (the platform certificate's) in its place: WeChat's replies do not verify.
      const wrong = await stack.run(publicKeyEnv(cert('wechatpay_platform_cert.pem')));
      // The query's answer cannot be trusted, so mch_id is left unchecked rather than called ok.
      expectOnlyFailures(
        wrong,
        {
          [PUBLIC_KEY_LINE]: /^WeChat's replies do not verify with WXPAY_PLATFORM_PUBLIC_KEY_PATH/,
        },
        ['mch_id (APIv3)'],
      );
    } finally {
      await sandboxV3(stack.sandbox, 'mode', 'PUT', { mode: 'certificate' });
    }
  });

  it('names a wrong WXPAY_V3_KEY', async () => {
    const report = await stack.run(stack.env({ WXPAY_V3_KEY: 'f'.repeat(32) }));
    expectOnlyFailures(report, {
      [KEYS_LINE]: /^WXPAY_V3_KEY is wrong: the downloaded certificates do not decrypt/,
    });
    expect(report.lines.join('\n')).not.toContain('f'.repeat(32));
  });

  it('names a merchant certificate WeChat does not hold for this merchant', async () => {
    const report = await stack.run(
      stack.env({
        WXPAY_CERT_P12_PATH: '',
        WXPAY_CERT_PEM_PATH: cert('rogue_cert.pem'),
        WXPAY_KEY_PEM_PATH: cert('rogue_key.pem'),
      }),
    );
    expectOnlyFailures(
      report,
      {
        [SIGNING_LINE]: /^WeChat does not know certificate serial \w+ for this merchant/,
      },
      [KEYS_LINE],
    );
  });

  // Last: the sandbox's clock only moves forward.
  it('names a clock 5 minutes off, which WeChat refuses APIv3 signatures for', async () => {
    stack.sandbox.advanceClock(600);
    const report = await stack.run(stack.env());
    expectOnlyFailures(
      report,
      { clock: /^this machine is (599|600|601) s behind WeChat's clock/ },
      // APIv3 calls cannot get through at all: named "not checked", pointing at the clock line.
      ['mch_id (APIv3)', SIGNING_LINE, KEYS_LINE],
    );
    expect(lineOf(report, SIGNING_LINE).message).toContain('see the clock line');
  });
});
