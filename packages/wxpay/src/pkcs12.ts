import { X509Certificate, createPrivateKey } from 'node:crypto';
import forge from 'node-forge';
import { isWxPayError, wxPayError } from './errors.js';

/** The merchant certificate and its private key, as PEM text, read out of a PKCS#12 file. */
export interface Pkcs12Pem {
  /** The certificate whose public key matches `key` (`apiclient_cert.pem`). */
  cert: string;
  /** The private key, PKCS#8 (`apiclient_key.pem`). Secret: never log it. */
  key: string;
}

const { asn1, pki, pkcs12 } = forge;
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
const OIDS = {
  certBag: '1.2.840.113549.1.12.10.1.3',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
} as const;

/**
 * Opens `apiclient_cert.p12` in pure JavaScript (node-forge), whatever its encryption: WeChat
 * issues the legacy format (RC2-40 for the certificates, 3DES for the key, SHA-1 MAC), which
 * Node 20's OpenSSL 3 refuses without `--openssl-legacy-provider` ("Unsupported PKCS12 PFX
 * data"); the AES-256 files of `openssl pkcs12 -export` open too. Errors, kind `config`:
 * `PKCS12_PASSWORD_WRONG` (the MAC does not verify: the password, by default the mch_id, is
 * wrong, or the bytes were altered) and `PKCS12_INVALID` (not a PKCS#12 file, or no
 * certificate and key that belong together).
 */
export function readPkcs12(pfx: Buffer | string, passphrase: string): Pkcs12Pem {
  const bytes = typeof pfx === 'string' ? Buffer.from(pfx, 'base64') : pfx;
  let store: forge.pkcs12.Pkcs12Pfx;
  try {
    store = pkcs12.pkcs12FromAsn1(asn1.fromDer(bytes.toString('binary'), true), true, passphrase);
  } catch (err) {
    const message = messageOf(err);
    if (/MAC could not be verified/i.test(message)) {
      throw wxPayError(
        'config',
        'PKCS12_PASSWORD_WRONG',
        'the PKCS#12 password is wrong (WeChat sets it to the mch_id), or the file was altered',
      );
    }
    throw wxPayError(
      'config',
      'PKCS12_INVALID',
      `not a readable PKCS#12 file (${message}); expected apiclient_cert.p12 as downloaded`,
    );
  }
  try {
    return pemOf(store);
  } catch (err) {
    if (isWxPayError(err)) throw err;
    throw wxPayError(
      'config',
      'PKCS12_INVALID',
      `the PKCS#12 file holds an unreadable certificate or key (${messageOf(err)})`,
    );
  }
}

/** The certificate that goes with one of the file's private keys, both as PEM. */
function pemOf(store: forge.pkcs12.Pkcs12Pfx): Pkcs12Pem {
  const keys = [...bagsOf(store, OIDS.shroudedKeyBag), ...bagsOf(store, OIDS.keyBag)].flatMap(
    (bag) => (bag.key ? [bag.key] : []),
  );
  const certs = bagsOf(store, OIDS.certBag).flatMap((bag) => {
    const node = bag.cert ? pki.certificateToAsn1(bag.cert) : bag.asn1;
    return node ? [new X509Certificate(Buffer.from(asn1.toDer(node).getBytes(), 'binary'))] : [];
  });
  for (const forgeKey of keys) {
    const der = asn1.toDer(pki.wrapRsaPrivateKey(pki.privateKeyToAsn1(forgeKey))).getBytes();
    const key = createPrivateKey({ key: Buffer.from(der, 'binary'), format: 'der', type: 'pkcs8' });
    const cert = certs.find((c) => c.checkPrivateKey(key));
    if (cert) {
      return {
        cert: cert.toString(),
        key: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
      };
    }
  }
  throw wxPayError(
    'config',
    'PKCS12_INVALID',
    `the PKCS#12 file holds ${certs.length} certificate(s) and ${keys.length} RSA key(s), ` +
      'but no certificate with its private key',
  );
}

function bagsOf(store: forge.pkcs12.Pkcs12Pfx, bagType: string): forge.pkcs12.Bag[] {
  return store.getBags({ bagType })[bagType] ?? [];
}
