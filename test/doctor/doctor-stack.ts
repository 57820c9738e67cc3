import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serverEnv } from '@fen/demo';
import { runDoctor } from '@fen/server';
import type { CheckResult, DoctorReport } from '@fen/server';
import { redisUrl, uniqueDatabaseUri } from '@fen/test-support';
import { DEMO_CERTS_DIR, createSandbox } from '@fen/wx-sandbox';
import type { Sandbox } from '@fen/wx-sandbox';
import { afterAll, beforeAll, expect } from 'vitest';

export const CERTS = fileURLToPath(DEMO_CERTS_DIR);
export const cert = (name: string) => join(CERTS, name);

/**
 * What `fen doctor` is pointed at in these tests: the sandbox as WeChat, the test Redis (under a
 * prefix of its own), and an HTTPS server standing in for the server's notify routes, its
 * certificate from the sandbox CA (which `notifyUrlCa` / NODE_EXTRA_CA_CERTS make trusted).
 */
export interface DoctorStack {
  readonly sandbox: Sandbox;
  /** The correct configuration: every check passes. */
  env(overrides?: Record<string, string>): Record<string, string>;
  /** Runs the doctor in this process on `env`. */
  run(env: Record<string, string>): Promise<DoctorReport>;
  /** A directory removed after the file. */
  readonly tmp: string;
}

export function useDoctorStack(apiVersion: 'v2' | 'v3' = 'v2'): DoctorStack {
  let sandbox: Sandbox | undefined;
  let notify: Server | undefined;
  let notifyUrl = '';
  const tmp = mkdtempSync(join(tmpdir(), 'fen-doctor-'));
  const keyPrefix = `doctor-${randomBytes(4).toString('hex')}:`;
  beforeAll(async () => {
    sandbox = await createSandbox({ port: 0, tlsPort: 0, logger: () => {} });
    notify = createServer(
      { cert: readFileSync(cert('sandbox-tls.pem')), key: readFileSync(cert('sandbox-tls.key')) },
      (req, res) => {
        res.statusCode = req.method === 'POST' ? 200 : 405;
        res.end();
      },
    );
    await new Promise<void>((resolve) => notify!.listen(0, '127.0.0.1', resolve));
    notifyUrl = `https://127.0.0.1:${(notify.address() as AddressInfo).port}`;
  }, 30_000);
  afterAll(async () => {
    notify?.closeAllConnections();
    await new Promise((resolve) => (notify ? notify.close(resolve) : resolve(undefined)));
    await sandbox?.close();
    rmSync(tmp, { recursive: true, force: true });
  });
  const started = () => {
    if (!sandbox) throw new Error('the sandbox is not started: use it inside a test');
    return sandbox;
  };
  const routes = apiVersion === 'v3' ? '/wxpay/v3' : '/wxpay';
  return {
    get sandbox() {
      return started();
    },
    tmp,
    env: (overrides = {}) =>
      serverEnv({
        port: 0,
        databaseUri: uniqueDatabaseUri({ label: 'doctor' }),
        certsDir: CERTS,
        sandbox: started(),
        redisUrl: redisUrl(),
        apiVersion,
        env: {
          REDIS_KEY_PREFIX: keyPrefix,
          WXPAY_TIMEOUT_MS: '3000',
          WXPAY_NOTIFY_URL: `${notifyUrl}${routes}/notify`,
          WXPAY_REFUND_NOTIFY_URL: `${notifyUrl}${routes}/refund-notify`,
          ...overrides,
        },
      }),
    run: (env) => runDoctor(env, { notifyUrlCa: started().caCert }),
  };
}

/** The line of the check whose name starts with `name`. */
export function lineOf(report: DoctorReport, name: string): CheckResult {
  const found = report.results.find((r) => r.name.startsWith(name));
  if (!found) throw new Error(`no check named ${name}: ${report.lines.join('\n')}`);
  return found;
}

/**
 * Exactly the checks named fail, each with `expected` in its line; those in `skipped` could not
 * run because of them; every other one is ok.
 */
export function expectOnlyFailures(
  report: DoctorReport,
  expected: Record<string, RegExp>,
  skipped: string[] = [],
): void {
  const context = report.lines.join('\n');
  for (const [name, message] of Object.entries(expected)) {
    const result = lineOf(report, name);
    expect(result.status, context).toBe('fail');
    expect(result.message, context).toMatch(message);
  }
  for (const name of skipped) expect(lineOf(report, name).status, context).toBe('skip');
  const named = [...Object.keys(expected), ...skipped];
  const others = report.results.filter((r) => !named.some((name) => r.name.startsWith(name)));
  expect(
    others.map((r) => `${r.status} ${r.name}`),
    context,
  ).toEqual(others.map((r) => `ok ${r.name}`));
  expect(report.passed).toBe(Object.keys(expected).length === 0);
}

/** A .p12 of `certFile` + `keyFile` with the password `password` (as WeChat issues: the mch_id). */
export function makeP12(dir: string, certFile: string, keyFile: string, password: string): string {
  const out = join(dir, `${randomBytes(4).toString('hex')}.p12`);
  execFileSync(
    'openssl',
    [
      'pkcs12',
      '-export',
      '-in',
      certFile,
      '-inkey',
      keyFile,
      '-passout',
      `pass:${password}`,
      '-out',
      out,
    ],
    { stdio: 'pipe' },
  );
  return out;
}
