import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A certificate and its key, as files (nginx and the server read paths) and PEM text. */
export interface IssuedCertificate {
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
}

export interface TestCa {
  /** The CA certificate: what NODE_EXTRA_CA_CERTS trusts in the run's processes. */
  caPath: string;
  ca: string;
  /** A TLS server certificate for `names` (subjectAltName DNS entries). */
  server(file: string, names: string[]): IssuedCertificate;
  /** A client certificate with subject `subject` (the merchant's: CN = mch_id). */
  client(file: string, subject: string): IssuedCertificate;
}

/**
 * A certificate authority made for one run (its certificates valid for 90 days, so production
 * mode's 30-day expiry warning stays quiet) with openssl (in `dir`), standing in for the public
 * CAs that sign a real site's and WeChat's certificates and for WeChat's merchant CA. Nothing
 * outside the run trusts it.
 */
export function createTestCa(dir: string): TestCa {
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '90',
    '-subj',
    '/O=Fen topology test/CN=Fen topology test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout',
    at('ca.key'),
    '-out',
    at('ca.pem'),
  );
  const issue = (file: string, subject: string, extensions: string[]): IssuedCertificate => {
    const certPath = at(`${file}.pem`);
    const keyPath = at(`${file}.key`);
    writeFileSync(at(`${file}.ext`), `${extensions.join('\n')}\n`);
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      subject,
      '-keyout',
      keyPath,
      '-out',
      at(`${file}.csr`),
    );
    openssl(
      'x509',
      '-req',
      '-in',
      at(`${file}.csr`),
      '-CA',
      at('ca.pem'),
      '-CAkey',
      at('ca.key'),
      '-CAcreateserial',
      '-days',
      '90',
      '-extfile',
      at(`${file}.ext`),
      '-out',
      certPath,
    );
    return {
      certPath,
      keyPath,
      cert: readFileSync(certPath, 'utf8'),
      key: readFileSync(keyPath, 'utf8'),
    };
  };
  return {
    caPath: at('ca.pem'),
    ca: readFileSync(at('ca.pem'), 'utf8'),
    server: (file, names) =>
      issue(file, `/CN=${names[0] ?? file}`, [
        `subjectAltName=${names.map((name) => `DNS:${name}`).join(',')}`,
        'extendedKeyUsage=serverAuth',
        'keyUsage=critical,digitalSignature,keyEncipherment',
      ]),
    client: (file, subject) =>
      issue(file, subject, [
        'extendedKeyUsage=clientAuth',
        'keyUsage=critical,digitalSignature,keyEncipherment',
      ]),
  };
}
