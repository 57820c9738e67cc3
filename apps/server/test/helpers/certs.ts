import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  dir: string;
  certPem: string;
  keyPem: string;
  p12: string;
  otherKeyPem: string;
  cleanup(): void;
}

/**
 * A throwaway merchant certificate (CN = mchId) in PEM and .p12 (password = mchId, in WeChat's
 * legacy RC2/3DES format), via openssl.
 */
export function makeTestCerts(mchId: string): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'fen-certs-'));
  const at = (name: string) => join(dir, name);
  const run = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${mchId}`,
    '-keyout',
    at('key.pem'),
    '-out',
    at('cert.pem'),
  );
  run(
    'pkcs12',
    '-export',
    '-legacy',
    '-in',
    at('cert.pem'),
    '-inkey',
    at('key.pem'),
    '-out',
    at('cert.p12'),
    '-passout',
    `pass:${mchId}`,
  );
  run('genrsa', '-out', at('other-key.pem'), '2048');
  return {
    dir,
    certPem: at('cert.pem'),
    keyPem: at('key.pem'),
    p12: at('cert.p12'),
    otherKeyPem: at('other-key.pem'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
