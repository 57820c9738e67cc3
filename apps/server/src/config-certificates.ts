import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';

/** The merchant API client certificate for `/secapi/…` (refunds), in either accepted form. */
export type MerchantCertificate =
  { pfx: Buffer; passphrase: string } | { cert: string; key: string };

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

function loadP12(
  path: string,
  env: Record<string, string | undefined>,
  issues: string[],
): MerchantCertificate | undefined {
  const pfx = readFile(path, 'WXPAY_CERT_P12_PATH', issues);
  if (!pfx) return undefined;
  const passphrase = env.WXPAY_CERT_P12_PASSPHRASE?.trim() || env.WXPAY_MCHID || '';
  try {
    createSecureContext({ pfx, passphrase });
  } catch (err) {
    issues.push(
      `WXPAY_CERT_P12_PATH: ${path} cannot be opened (${(err as Error).message}); the password is the mch_id unless WXPAY_CERT_P12_PASSPHRASE is set`,
    );
    return undefined;
  }
  return { pfx, passphrase };
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
  try {
    const x509 = new X509Certificate(certPem);
    const key = createPrivateKey(keyPem);
    if (!x509.checkPrivateKey(key)) {
      issues.push(`WXPAY_KEY_PEM_PATH: ${keyPath} is not the private key of ${certPath}`);
      return undefined;
    }
    if (new Date(x509.validTo).getTime() < Date.now()) {
      issues.push(`WXPAY_CERT_PEM_PATH: ${certPath} expired on ${x509.validTo}`);
      return undefined;
    }
    if (mchId && !x509.subject.includes(`CN=${mchId}`)) {
      issues.push(`WXPAY_CERT_PEM_PATH: ${certPath} is not issued to mch_id ${mchId} (CN differs)`);
      return undefined;
    }
  } catch (err) {
    issues.push(
      `WXPAY_CERT_PEM_PATH: cannot parse the certificate or key (${(err as Error).message})`,
    );
    return undefined;
  }
  return { cert: certPem.toString('utf8'), key: keyPem.toString('utf8') };
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
