import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { readPkcs12 } from '../src/index.js';
import { certs } from './support/certs.js';

const MCH_ID = '1900000109';
const expected = new X509Certificate(certs.clientCert);
const spki = (key: Parameters<typeof createPublicKey>[0]) =>
  createPublicKey(key).export({ type: 'spki', format: 'der' });

describe('readPkcs12', () => {
  it("when Node's own TLS is given WeChat's legacy .p12, then it refuses it (why readPkcs12 exists)", () => {
    expect(() => createSecureContext({ pfx: certs.clientP12, passphrase: MCH_ID })).toThrow(
      /Unsupported PKCS12 PFX data/,
    );
  });

  it.each([
    ["WeChat's legacy format (RC2-40, 3DES, SHA-1 MAC)", certs.clientP12],
    ["OpenSSL 3's AES-256 format", certs.clientP12Aes],
  ])('when the file is in %s, then it gives the merchant certificate and its key', (_, pfx) => {
    const pem = readPkcs12(pfx, MCH_ID);
    const cert = new X509Certificate(pem.cert);
    expect(cert.subject).toContain(`CN=${MCH_ID}`);
    expect(cert.serialNumber).toBe(expected.serialNumber);
    // Byte for byte the certificate WeChat signed: TLS presents exactly this.
    expect(cert.fingerprint256).toBe(expected.fingerprint256);
    const key = createPrivateKey(pem.key);
    expect(cert.checkPrivateKey(key)).toBe(true);
    expect(spki(key)).toEqual(spki(certs.clientKey));
    expect(pem.key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    // The pair is what Node's TLS takes without the legacy provider.
    expect(() => createSecureContext(pem)).not.toThrow();
  });

  it('when the file is given as base64 text, then it opens the same', () => {
    const pem = readPkcs12(certs.clientP12.toString('base64'), MCH_ID);
    expect(new X509Certificate(pem.cert).fingerprint256).toBe(expected.fingerprint256);
  });

  it('when the password is wrong, then PKCS12_PASSWORD_WRONG names the mch_id convention', () => {
    for (const pfx of [certs.clientP12, certs.clientP12Aes]) {
      expect(() => readPkcs12(pfx, '1900000110')).toThrowError(
        expect.objectContaining({
          kind: 'config',
          code: 'PKCS12_PASSWORD_WRONG',
          message: expect.stringMatching(/password is wrong .*mch_id/),
        }),
      );
    }
  });

  it('when the file is corrupt, truncated or not PKCS#12 at all, then PKCS12_INVALID', () => {
    const flipped = Buffer.from(certs.clientP12);
    const middle = flipped.length >> 1;
    flipped.writeUInt8(flipped.readUInt8(middle) ^ 0xff, middle);
    for (const pfx of [
      certs.clientP12.subarray(0, 500),
      certs.clientCert,
      Buffer.alloc(0),
      Buffer.from('not a certificate'),
    ]) {
      expect(() => readPkcs12(pfx, MCH_ID)).toThrowError(
        expect.objectContaining({ kind: 'config', code: 'PKCS12_INVALID' }),
      );
    }
    // A flipped byte inside the MAC-protected content: the MAC no longer verifies, which PKCS#12
    // cannot tell from a wrong password, so the message names both.
    expect(() => readPkcs12(flipped, MCH_ID)).toThrowError(
      expect.objectContaining({
        code: 'PKCS12_PASSWORD_WRONG',
        message: expect.stringMatching(/or the file was altered/),
      }),
    );
  });

  it('when the file holds a certificate and a key that do not belong together, then PKCS12_INVALID says so', () => {
    const mismatched = forge.pkcs12.toPkcs12Asn1(
      forge.pki.privateKeyFromPem(certs.rogueKey.toString()),
      [forge.pki.certificateFromPem(certs.clientCert.toString())],
      MCH_ID,
      { algorithm: '3des' },
    );
    const pfx = Buffer.from(forge.asn1.toDer(mismatched).getBytes(), 'binary');
    expect(() => readPkcs12(pfx, MCH_ID)).toThrowError(
      expect.objectContaining({
        code: 'PKCS12_INVALID',
        message: expect.stringMatching(
          /1 certificate\(s\) and 1 RSA key\(s\), but no certificate with its private key/,
        ),
      }),
    );
  });
});
