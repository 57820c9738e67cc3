import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { issuesOf } from '../helpers/config-env.js';
import { makeMerchantCertificate } from '../helpers/merchant-certificate.js';
import { makeProductionEnv } from './production-env.js';

const DAY = 86_400_000;
const production = makeProductionEnv();
const { env } = production;
const made: Array<{ cleanup(): void }> = [production];
afterAll(() => made.forEach((files) => files.cleanup()));

/** A certificate made for this test, removed after it. */
function certificate(options: Parameters<typeof makeMerchantCertificate>[0]) {
  const files = makeMerchantCertificate(options);
  made.push(files);
  return files;
}

describe('production: the merchant certificate', () => {
  it("when the certificate is another mch_id's (its CN), then it is refused naming both", () => {
    const other = certificate({ commonName: '1230000999' });
    const issues = issuesOf({
      ...env,
      WXPAY_CERT_P12_PATH: other.p12,
      WXPAY_CERT_P12_PASSPHRASE: '1230000999',
    });
    expect(issues).toEqual([
      `WXPAY_CERT_P12_PATH: the certificate is issued to CN=1230000999, not to mch_id ${env.WXPAY_MCHID} (WXPAY_MCHID); use this merchant's own apiclient_cert`,
    ]);
  });

  it('when the CN only starts with the mch_id, then it is not taken for it', () => {
    const longer = certificate({ commonName: `${env.WXPAY_MCHID}9` });
    const issues = issuesOf({
      ...env,
      WXPAY_CERT_P12_PATH: longer.p12,
      WXPAY_CERT_P12_PASSPHRASE: `${env.WXPAY_MCHID}9`,
    });
    expect(issues).toEqual([expect.stringContaining(`not to mch_id ${env.WXPAY_MCHID}`)]);
  });

  it('when the certificate has expired, then it is refused with the date', () => {
    const notAfter = new Date(Date.now() - 2 * DAY);
    const expired = certificate({
      commonName: env.WXPAY_MCHID!,
      notBefore: new Date(Date.now() - 400 * DAY),
      notAfter,
    });
    expect(issuesOf({ ...env, WXPAY_CERT_P12_PATH: expired.p12 })).toEqual([
      expect.stringMatching(
        new RegExp(
          `^WXPAY_CERT_P12_PATH: the merchant certificate expired on ${notAfter.toISOString().slice(0, 16)}.*商户平台`,
        ),
      ),
    ]);
  });

  it('when the certificate is not valid yet, then it is refused (a wrong clock, or the wrong certificate)', () => {
    const future = certificate({
      commonName: env.WXPAY_MCHID!,
      notBefore: new Date(Date.now() + 5 * DAY),
      notAfter: new Date(Date.now() + 400 * DAY),
    });
    expect(issuesOf({ ...env, WXPAY_CERT_P12_PATH: future.p12 })).toEqual([
      expect.stringMatching(/^WXPAY_CERT_P12_PATH: the merchant certificate is not valid before /),
    ]);
  });

  it('when the private key is not the certificate’s, then it is refused', () => {
    const issues = issuesOf({
      ...env,
      WXPAY_CERT_P12_PATH: '',
      WXPAY_CERT_PEM_PATH: production.certificate.certPem,
      WXPAY_KEY_PEM_PATH: production.certificate.otherKeyPem,
    });
    expect(issues).toEqual([
      expect.stringMatching(/^WXPAY_KEY_PEM_PATH: .* is not the private key of /),
    ]);
  });

  it('when the PEM pair is right, then it loads as the .p12 does', () => {
    const config = loadConfig({
      ...env,
      WXPAY_CERT_P12_PATH: '',
      WXPAY_CERT_PEM_PATH: production.certificate.certPem,
      WXPAY_KEY_PEM_PATH: production.certificate.keyPem,
    });
    expect(config.pay.certificate).toHaveProperty('cert');
    expect(config.pay.certificateNotAfter).toBeInstanceOf(Date);
  });

  it("when it is the sandbox's demo certificate (its key is in the repository), then it is refused", () => {
    const certs = join(import.meta.dirname, '../../../wx-sandbox/certs');
    const issues = issuesOf({
      ...env,
      WXPAY_MCHID: '1900000109',
      WXPAY_CERT_P12_PATH: join(certs, 'apiclient_cert.p12'),
    });
    expect(issues).toEqual([
      expect.stringMatching(/^WXPAY_CERT_P12_PATH: this is a demo certificate of the sandbox/),
    ]);
  });

  it('when it expires within 30 days, then it loads and the config carries the date for the warning', () => {
    const notAfter = new Date(Date.now() + 10 * DAY);
    const soon = certificate({ commonName: env.WXPAY_MCHID!, notAfter });
    const config = loadConfig({ ...env, WXPAY_CERT_P12_PATH: soon.p12 });
    expect(config.pay.certificateNotAfter?.toISOString().slice(0, 16)).toBe(
      notAfter.toISOString().slice(0, 16),
    );
  });
});
