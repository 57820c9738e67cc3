import { createHash } from 'node:crypto';
import type { X509Certificate } from 'node:crypto';
import { PUBLISHED_PUBLIC_KEY_HASHES } from './published-secrets.js';

/** A certificate expiring within this many days is a loud warning (log at start, /healthz). */
export const EXPIRY_WARNING_DAYS = 30;

const DAY_MS = 86_400_000;

/** The subject's CN values (WeChat issues the merchant API certificate with CN = mch_id). */
function commonNames(cert: X509Certificate): string[] {
  return cert.subject
    .split('\n')
    .filter((line) => line.startsWith('CN='))
    .map((line) => line.slice(3));
}

const publicKeyHash = (cert: X509Certificate) =>
  createHash('sha256')
    .update(cert.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');

/**
 * The merchant API certificate is usable in any mode: valid now and issued to `mchId` (subject
 * CN, exactly). `setting` names the configured file in the messages (the .p12 or the PEM).
 */
export function merchantCertificateIssues(
  cert: X509Certificate,
  mchId: string | undefined,
  setting: string,
  now: Date,
): string[] {
  const issues: string[] = [];
  const notBefore = new Date(cert.validFrom);
  const notAfter = new Date(cert.validTo);
  if (notAfter.getTime() <= now.getTime()) {
    issues.push(
      `${setting}: the merchant certificate expired on ${notAfter.toISOString()}; apply for a new API certificate in the merchant platform (商户平台 → 账户中心 → API安全)`,
    );
  } else if (notBefore.getTime() > now.getTime()) {
    issues.push(
      `${setting}: the merchant certificate is not valid before ${notBefore.toISOString()}; check the machine's clock, or use the certificate in force`,
    );
  }
  const names = commonNames(cert);
  if (mchId && !names.includes(mchId)) {
    issues.push(
      `${setting}: the certificate is issued to ${names.length ? `CN=${names.join(', CN=')}` : 'no CN'}, not to mch_id ${mchId} (WXPAY_MCHID); use this merchant's own apiclient_cert`,
    );
  }
  return issues;
}

/** Production refuses a certificate whose private key is published in the repository. */
export function publishedCertificateIssue(
  cert: X509Certificate,
  setting: string,
): string | undefined {
  if (!PUBLISHED_PUBLIC_KEY_HASHES.includes(publicKeyHash(cert))) return undefined;
  return `${setting}: this is a demo certificate of the sandbox (its private key is in the repository); use the merchant's own apiclient_cert`;
}

/** The loud warning for a certificate that expires within {@link EXPIRY_WARNING_DAYS}, if it does. */
export function certificateExpiryWarning(notAfter: Date, now: Date): string | undefined {
  const left = notAfter.getTime() - now.getTime();
  if (left > EXPIRY_WARNING_DAYS * DAY_MS) return undefined;
  const days = Math.max(0, Math.floor(left / DAY_MS));
  return `the merchant API certificate expires on ${notAfter.toISOString()} (in ${days} days): apply for a new one in the merchant platform (商户平台 → 账户中心 → API安全) and replace it before then, or refunds and APIv3 calls will fail`;
}
