import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { DEMO_MERCHANT, DEMO_OA_APP } from '@fen/demo';
import { describe, expect, it } from 'vitest';
import { cert, expectOnlyFailures, lineOf, makeP12, useDoctorStack } from './doctor-stack.js';

// `fen doctor` against the sandbox (as WeChat) and the test Redis: a correct configuration
// passes, then one deliberate mistake at a time is named by its own line, the others still ok.
const stack = useDoctorStack('v2');
const KEY_LINE = 'API key and mch_id';
const SECRET_LINE = `AppSecret ${DEMO_MERCHANT.appId}`;
const CERT_LINE = 'merchant certificate';
const WRONG = 'ffffffffffffffffffffffffffffffff';

/** No line carries a secret of `env`, whatever it says. */
function expectNoSecrets(lines: string[], env: Record<string, string>): void {
  const secrets = ['WXPAY_KEY', 'WX_APPSECRET', 'WXPAY_V3_KEY', 'SESSION_SECRET', 'ADMIN_TOKEN']
    .map((name) => env[name])
    .filter((value): value is string => Boolean(value));
  for (const line of lines) for (const secret of secrets) expect(line).not.toContain(secret);
}

describe('fen doctor (APIv2)', { timeout: 30_000 }, () => {
  it('passes a correct configuration, one ok line per check', async () => {
    const env = stack.env();
    const report = await stack.run(env);
    expectOnlyFailures(report, {});
    expect(report.results.map((r) => r.name)).toEqual([
      'configuration',
      'Redis (shared token cache)',
      `AppSecret ${DEMO_MERCHANT.appId} (mini-program)`,
      `API key and mch_id (appid ${DEMO_MERCHANT.appId})`,
      'merchant certificate (mutual TLS)',
      'clock',
      'WXPAY_NOTIFY_URL',
      'WXPAY_REFUND_NOTIFY_URL',
    ]);
    expect(lineOf(report, KEY_LINE).message).toContain('ORDERNOTEXIST');
    expectNoSecrets(report.lines, env);
  });

  it('names a wrong WXPAY_KEY', async () => {
    const env = stack.env({ WXPAY_KEY: WRONG });
    const report = await stack.run(env);
    expectOnlyFailures(report, { [KEY_LINE]: /^WXPAY_KEY is wrong \(WeChat said "签名错误/ });
    expectNoSecrets(report.lines, env);
  });

  it('names a wrong AppSecret, whether the access_token is cached or not', async () => {
    // The first test cached this appid's token under the stack's Redis prefix: the made-up
    // login code proves the secret then. Under a fresh prefix, the token fetch itself does.
    const prefixes: Record<string, string>[] = [
      {},
      { REDIS_KEY_PREFIX: `doctor-${randomUUID()}:` },
    ];
    for (const prefix of prefixes) {
      const env = stack.env({ WX_APPSECRET: WRONG, ...prefix });
      const report = await stack.run(env);
      expectOnlyFailures(report, {
        [SECRET_LINE]: new RegExp(
          `^AppSecret of ${DEMO_MERCHANT.appId} is wrong \\(WeChat errcode 40125`,
        ),
      });
      expectNoSecrets(report.lines, env);
    }
  });

  it("checks the official account's AppSecret too, and names a wrong one", async () => {
    const oa = { WX_OA_APPID: DEMO_OA_APP.appId, WX_OA_APPSECRET: DEMO_OA_APP.secret };
    const report = await stack.run(stack.env(oa));
    expectOnlyFailures(report, {});
    // Its own line, and its own pay line: the official account pays with its appid.
    expect(lineOf(report, `AppSecret ${DEMO_OA_APP.appId} (official account)`).status).toBe('ok');
    expect(lineOf(report, `${KEY_LINE} (appid ${DEMO_OA_APP.appId})`).status).toBe('ok');
    const wrong = await stack.run(stack.env({ ...oa, WX_OA_APPSECRET: WRONG }));
    expectOnlyFailures(wrong, {
      [`AppSecret ${DEMO_OA_APP.appId}`]:
        /^AppSecret of wxfe00000000000002 is wrong .*WX_OA_APPSECRET/,
    });
  });

  it('serves the access_token from the shared cache without a fetch', async () => {
    const report = await stack.run(stack.env());
    expect(lineOf(report, SECRET_LINE).message).toContain('served from the shared Redis cache');
  });

  it('names a merchant certificate WeChat did not issue', async () => {
    const report = await stack.run(
      stack.env({
        WXPAY_CERT_P12_PATH: '',
        WXPAY_CERT_PEM_PATH: cert('rogue_cert.pem'),
        WXPAY_KEY_PEM_PATH: cert('rogue_key.pem'),
      }),
    );
    expectOnlyFailures(report, {
      [CERT_LINE]:
        /^WeChat does not accept this certificate \(serial \w+, CN 1900000109, issued by Untrusted demo CA\)/,
    });
  });

  it("names another mch_id's certificate, as a .p12 or as PEM, before asking WeChat anything", async () => {
    const p12 = makeP12(
      stack.tmp,
      cert('other_cert.pem'),
      cert('other_key.pem'),
      DEMO_MERCHANT.mchId,
    );
    const asP12 = { WXPAY_CERT_P12_PATH: p12 };
    const asPem = {
      WXPAY_CERT_P12_PATH: '',
      WXPAY_CERT_PEM_PATH: cert('other_cert.pem'),
      WXPAY_KEY_PEM_PATH: cert('other_key.pem'),
    };
    for (const form of [asP12, asPem]) {
      const report = await stack.run(stack.env(form));
      expect(report.passed).toBe(false);
      expect(lineOf(report, 'configuration').message).toMatch(
        /issued to CN=1900000999, not to mch_id 1900000109 \(WXPAY_MCHID\)/,
      );
      expect(report.results.slice(1).map((r) => r.status)).toEqual(['skip']);
    }
  });

  it('bounds every call: WeChat not answering in time is a failure, not a hang', async () => {
    stack.sandbox.setFaults({ latency: { '/pay/orderquery': 5000 } });
    try {
      const started = Date.now();
      const report = await stack.run(stack.env({ WXPAY_TIMEOUT_MS: '500' }));
      expect(Date.now() - started).toBeLessThan(4000);
      expectOnlyFailures(report, { [KEY_LINE]: /^no answer from WXPAY_API_BASE .*500 ms/ });
    } finally {
      stack.sandbox.clearFaults();
    }
  });

  it('names a notify URL that does not answer over HTTPS', async () => {
    const report = await stack.run(
      stack.env({
        WXPAY_REFUND_NOTIFY_URL: `${stack.sandbox.tlsUrl.replace(/:\d+$/, ':9')}/wxpay/refund-notify`,
      }),
    );
    expectOnlyFailures(report, {
      WXPAY_REFUND_NOTIFY_URL: /does not answer over HTTPS \(connect ECONNREFUSED/,
    });
  });

  it('runs as the built command: exit code 0 when all pass, 1 when a check fails', async () => {
    const entry = fileURLToPath(new URL('../../apps/server/dist/doctor.js', import.meta.url));
    const envFile = join(stack.tmp, 'doctor.env');
    const run = promisify(execFile);
    const child = (env: Record<string, string>) => {
      writeFileSync(
        envFile,
        Object.entries(env)
          .map(([k, v]) => `${k}=${v}`)
          .join('\n'),
      );
      // Only what the file says, and the test CA trusted the way a real deployment would add one.
      return run(process.execPath, [entry, '--env-file', envFile], {
        env: { PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: cert('ca.pem') },
        timeout: 20_000,
      }).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }),
      );
    };
    const good = await child(stack.env());
    expect(good.code, good.stdout).toBe(0);
    expect(good.stdout).toMatch(/^ok {4}WXPAY_NOTIFY_URL: .* answers over HTTPS/m);
    expect(good.stdout).toContain('fen doctor: all checks passed');
    const bad = await child(stack.env({ WXPAY_KEY: WRONG }));
    expect(bad.code, bad.stdout).toBe(1);
    expect(bad.stdout).toMatch(/^FAIL {2}API key and mch_id .*: WXPAY_KEY is wrong/m);
    expect(bad.stdout).not.toContain(WRONG);
  });

  // Last: the sandbox's clock only moves forward.
  it('warns over a minute of clock skew and fails over five, naming the clock alone', async () => {
    stack.sandbox.advanceClock(90);
    const drifting = await stack.run(stack.env());
    expect(lineOf(drifting, 'clock')).toMatchObject({ status: 'warn' });
    expect(lineOf(drifting, 'clock').message).toMatch(
      /^this machine is (89|90|91) s behind WeChat's clock/,
    );
    expect(drifting.passed).toBe(true);
    stack.sandbox.advanceClock(510);
    const skewed = await stack.run(stack.env());
    expectOnlyFailures(skewed, {
      clock: /^this machine is (599|600|601) s behind WeChat's clock.*NTP/,
    });
  });
});
