import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { issuesOf, minimalEnv, useDemoMerchantCerts } from './helpers/config-env.js';

const certs = useDemoMerchantCerts();
const valid = minimalEnv(certs);
const demo = (name: string) => join(import.meta.dirname, '../../wx-sandbox/certs', name);
/** The DER of the OID pbeWithSHAAnd40BitRC2-CBC (1.2.840.113549.1.12.1.6). */
const RC2_40_OID = Buffer.from('2a864886f70d010c0106', 'hex');

describe("the merchant's apiclient_cert.p12 as WeChat issues it", () => {
  it("when WXPAY_CERT_P12_PATH is the sandbox's legacy-format .p12, then the server reads the merchant certificate and key out of it", () => {
    // RC2-40 + 3DES + SHA-1 MAC: what Node 20's OpenSSL 3 refuses on its own.
    expect(readFileSync(demo('apiclient_cert.p12')).includes(RC2_40_OID)).toBe(true);
    const config = loadConfig({ ...valid, WXPAY_CERT_P12_PATH: demo('apiclient_cert.p12') });
    const cert = new X509Certificate(config.pay.certificate.cert);
    expect(cert.fingerprint256).toBe(
      new X509Certificate(readFileSync(demo('apiclient_cert.pem'))).fingerprint256,
    );
    expect(config.pay.certificate.key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('when the password is not the mch_id, then start-up names the mch_id convention and the setting', () => {
    const other = { ...valid, WXPAY_MCHID: '1900000110' };
    const [issue] = issuesOf(other).filter((i) => i.startsWith('WXPAY_CERT_P12_PATH'));
    expect(issue).toMatch(
      /password is wrong.*the password is the mch_id \(WXPAY_MCHID\) unless WXPAY_CERT_P12_PASSPHRASE is set$/,
    );
    expect(issuesOf({ ...valid, WXPAY_CERT_P12_PASSPHRASE: 'wrong' })[0]).toMatch(
      /WXPAY_CERT_P12_PASSPHRASE is set, and that did not open it/,
    );
  });

  it('when the file is corrupt, then start-up says it is not a readable PKCS#12 file', () => {
    const corrupt = join(certs.dir, 'corrupt.p12');
    writeFileSync(corrupt, readFileSync(certs.p12).subarray(0, 300));
    expect(issuesOf({ ...valid, WXPAY_CERT_P12_PATH: corrupt })[0]).toMatch(
      /^WXPAY_CERT_P12_PATH: .*corrupt\.p12 cannot be opened \(not a readable PKCS#12 file.*expected apiclient_cert\.p12 as downloaded/,
    );
  });

  it('when the .p12 holds a certificate of another mch_id, then start-up refuses it as for the PEM pair', () => {
    const other = { ...valid, WXPAY_MCHID: '1900000110', WXPAY_CERT_P12_PASSPHRASE: '1900000109' };
    expect(issuesOf(other).join('\n')).toMatch(
      /WXPAY_CERT_P12_PATH: the certificate is issued to CN=.*, not to mch_id 1900000110/,
    );
  });
});
