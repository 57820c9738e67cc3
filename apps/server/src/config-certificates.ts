import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isWxPayError, readPkcs12 } from '@fen/wxpay';
import { merchantCertificateIssues } from './production/certificate-checks.js';

/**
 * The merchant API client certificate for `/secapi/…` (refunds) and APIv3 signing, as PEM
 * whichever form was configured (a `.p12` is read out at start).
 */
export interface MerchantCertificate {
  cert: string;
  key: string;
}

function readFile(path: string, key: string, issues: string[]): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (err) {
    issues.push(`${key}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
}

/**
 * Loads the merchant certificate from `WXPAY_CERT_P12_PATH` (password defaults to the mch_id, as
 * WeChat issues it) or `WXPAY_CERT_PEM_PATH` + `WXPAY_KEY_PEM_PATH`, and checks it can actually be
 * used, so a wrong file fails at start rather than at the first refund (docs/pitfalls.md #10).
 */
export function loadMerchantCertificate(
  env: Record<string, string | undefined>,
  issues: string[],
): MerchantCertificate | undefined {
  const p12Path = env.WXPAY_CERT_P12_PATH?.trim();
  const certPath = env.WXPAY_CERT_PEM_PATH?.trim();
  const keyPath = env.WXPAY_KEY_PEM_PATH?.trim();
  if (p12Path) return loadP12(p12Path, env, issues);
  if (certPath || keyPath) {
    if (!certPath || !keyPath) {
      issues.push('WXPAY_CERT_PEM_PATH and WXPAY_KEY_PEM_PATH must be set together');
      return undefined;
    }
    return loadPem(certPath, keyPath, env.WXPAY_MCHID, issues);
  }
  issues.push(
    'WXPAY_CERT_P12_PATH (or WXPAY_CERT_PEM_PATH + WXPAY_KEY_PEM_PATH): the merchant API certificate is required for refunds',
  );
  return undefined;
}

/**
 * Reads the `.p12` out into PEM in JavaScript (`readPkcs12`): WeChat issues it in the legacy
 * RC2/3DES format, which Node 20's OpenSSL 3 cannot open itself. The PEM pair then goes through
 * the same checks as a configured one.
 */
function loadP12(
  path: string,
  env: Record<string, string | undefined>,
  issues: string[],
): MerchantCertificate | undefined {
  const pfx = readFile(path, 'WXPAY_CERT_P12_PATH', issues);
  if (!pfx) return undefined;
  const custom = env.WXPAY_CERT_P12_PASSPHRASE?.trim();
  let pem: MerchantCertificate;
  try {
    pem = readPkcs12(pfx, custom || env.WXPAY_MCHID || '');
  } catch (err) {
    const hint = isWxPayError(err, 'PKCS12_PASSWORD_WRONG')
      ? `the password is the mch_id (WXPAY_MCHID) unless WXPAY_CERT_P12_PASSPHRASE is set${custom ? ', and that did not open it' : ''}`
      : 'expected apiclient_cert.p12 as downloaded from the merchant platform';
    issues.push(
      `WXPAY_CERT_P12_PATH: ${path} cannot be opened (${(err as Error).message}); ${hint}`,
    );
    return undefined;
  }
  const from = {
    certKey: 'WXPAY_CERT_P12_PATH',
    keyKey: 'WXPAY_CERT_P12_PATH',
    paths: { cert: path, key: path },
  };
  return checkPem(pem, from, env.WXPAY_MCHID, issues);
}

function loadPem(
  certPath: string,
  keyPath: string,
  mchId: string | undefined,
  issues: string[],
): MerchantCertificate | undefined {
  const certPem = readFile(certPath, 'WXPAY_CERT_PEM_PATH', issues);
  const keyPem = readFile(keyPath, 'WXPAY_KEY_PEM_PATH', issues);
  if (!certPem || !keyPem) return undefined;
  const pem = { cert: certPem.toString('utf8'), key: keyPem.toString('utf8') };
  const paths = { cert: certPath, key: keyPath };
  const from = { certKey: 'WXPAY_CERT_PEM_PATH', keyKey: 'WXPAY_KEY_PEM_PATH', paths };
  return checkPem(pem, from, mchId, issues);
}

/** Where a PEM pair came from, to name the setting and file in a problem. */
interface PemSource {
  certKey: string;
  keyKey: string;
  paths: { cert: string; key: string };
}

/** The pair is usable: the key is the certificate's, it is valid now, its CN is the mch_id. */
function checkPem(
  pem: MerchantCertificate,
  from: PemSource,
  mchId: string | undefined,
  issues: string[],
): MerchantCertificate | undefined {
  const { certKey, keyKey, paths } = from;
  try {
    const x509 = new X509Certificate(pem.cert);
    const key = createPrivateKey(pem.key);
    if (!x509.checkPrivateKey(key)) {
      issues.push(`${keyKey}: ${paths.key} is not the private key of ${paths.cert}`);
      return undefined;
    }
    const unusable = merchantCertificateIssues(x509, mchId, certKey, new Date());
    if (unusable.length > 0) {
      issues.push(...unusable);
      return undefined;
    }
  } catch (err) {
    issues.push(`${certKey}: cannot parse the certificate or key (${(err as Error).message})`);
    return undefined;
  }
  return pem;
}

/** Reads the optional extra CA (to trust the sandbox's TLS certificate). */
export function readCaCertificate(path: string | undefined, issues: string[]): string | undefined {
  if (!path?.trim()) return undefined;
  const pem = readFile(path.trim(), 'WXPAY_CA_CERT_PATH', issues);
  if (!pem) return undefined;
  try {
    new X509Certificate(pem);
  } catch {
    issues.push(`WXPAY_CA_CERT_PATH: ${path} is not a PEM certificate`);
    return undefined;
  }
  return pem.toString('utf8');
}
