import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
/** A merchant certificate's files: the PEM pair, the .p12 (password = CN), a stray key. */
export interface MerchantCertificateFiles {
  dir: string;
  certPem: string;
  keyPem: string;
  p12: string;
  otherKeyPem: string;
  cleanup(): void;
}

export interface MerchantCertificateOptions {
  /** The subject CN: WeChat puts the mch_id there. */
  commonName: string;
  /** Default: a day ago. */
  notBefore?: Date;
  /** Default: a year from now. */
  notAfter?: Date;
  /**
   * The CA that signs it (PEM file paths), e.g. one a sandbox is told to trust for mutual TLS
   * (`createSandbox({ tls: { ca } })`), as WeChat's CA signs real ones. Default: self-signed.
   */
  issuer?: { certPem: string; keyPem: string };
}

/** `YYYYMMDDHHMMSSZ`, as `openssl ca -startdate/-enddate` takes it. */
const opensslTime = (date: Date) => `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;

/**
 * A throwaway merchant API certificate with chosen validity dates (`openssl ca -selfsign`, since
 * `openssl req -x509` cannot date a certificate in the past or the future), as PEM and as .p12 in
 * WeChat's legacy RC2/3DES format, the one merchants download.
 */
export function makeMerchantCertificate(
  options: MerchantCertificateOptions,
): MerchantCertificateFiles {
  const dir = mkdtempSync(join(tmpdir(), 'fen-merchant-cert-'));
  const at = (name: string) => join(dir, name);
  const run = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe', cwd: dir });
  const now = Date.now();
  const notBefore = options.notBefore ?? new Date(now - 86_400_000);
  const notAfter = options.notAfter ?? new Date(now + 365 * 86_400_000);
  writeFileSync(at('index.txt'), '');
  writeFileSync(at('serial'), `${(now % 1_000_000_000).toString(16).padStart(8, '0')}\n`);
  writeFileSync(
    at('ca.cnf'),
    '[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = .\ndefault_md = sha256\npolicy = p\nserial = serial\nunique_subject = no\n[p]\ncommonName = supplied\n[client]\nbasicConstraints = CA:FALSE\nextendedKeyUsage = clientAuth\n',
  );
  run(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    `/CN=${options.commonName}`,
    '-keyout',
    at('apiclient_key.pem'),
    '-out',
    at('apiclient.csr'),
  );
  run(
    'ca',
    '-batch',
    '-config',
    at('ca.cnf'),
    '-notext',
    ...(options.issuer
      ? [
          '-cert',
          options.issuer.certPem,
          '-keyfile',
          options.issuer.keyPem,
          '-extensions',
          'client',
        ]
      : ['-selfsign', '-keyfile', at('apiclient_key.pem')]),
    '-in',
    at('apiclient.csr'),
    '-startdate',
    opensslTime(notBefore),
    '-enddate',
    opensslTime(notAfter),
    '-out',
    at('apiclient_cert.pem'),
  );
  run(
    'pkcs12',
    '-export',
    '-legacy',
    '-in',
    at('apiclient_cert.pem'),
    '-inkey',
    at('apiclient_key.pem'),
    '-out',
    at('apiclient_cert.p12'),
    '-passout',
    `pass:${options.commonName}`,
  );
  run('genrsa', '-out', at('other_key.pem'), '2048');
  return {
    dir,
    certPem: at('apiclient_cert.pem'),
    keyPem: at('apiclient_key.pem'),
    p12: at('apiclient_cert.p12'),
    otherKeyPem: at('other_key.pem'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
