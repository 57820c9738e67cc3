import { readFileSync } from 'node:fs';

/** The test-only certificates of test/fixtures/certs (see its README). */
function read(name: string): Buffer {
  return readFileSync(new URL(`../fixtures/certs/${name}`, import.meta.url));
}

export const certs = {
  ca: read('ca.pem'),
  serverCert: read('server.pem'),
  serverKey: read('server.key'),
  clientCert: read('apiclient_cert.pem'),
  clientKey: read('apiclient_key.pem'),
  /** WeChat's legacy PKCS#12 (RC2-40, 3DES, SHA-1 MAC), password = mch_id. */
  clientP12: read('apiclient_cert.p12'),
  /** The same in OpenSSL 3's default PKCS#12 (AES-256, SHA-256 MAC). */
  clientP12Aes: read('apiclient_cert_aes.p12'),
  rogueCert: read('rogue_cert.pem'),
  rogueKey: read('rogue_key.pem'),
};
