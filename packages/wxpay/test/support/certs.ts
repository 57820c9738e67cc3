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
  clientP12: read('apiclient_cert.p12'),
  rogueCert: read('rogue_cert.pem'),
  rogueKey: read('rogue_key.pem'),
};
