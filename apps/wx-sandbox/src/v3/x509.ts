import { X509Certificate, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

// A minimal DER writer: just what a self-signed RSA certificate needs. Node can parse X.509 but
// not make it, and a rotated platform certificate must be a real one (clients parse it).

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, ...content: Buffer[]) => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
};
const sequence = (...items: Buffer[]) => tlv(0x30, ...items);
const set = (...items: Buffer[]) => tlv(0x31, ...items);
const utf8 = (text: string) => tlv(0x0c, Buffer.from(text, 'utf8'));

function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [a * 40 + b];
  for (const arc of rest) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128))
      chunk.unshift(0x80 | (v & 0x7f));
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** A positive INTEGER from hex (a 0x00 is prepended when the top bit is set, as DER requires). */
function integerFromHex(hex: string): Buffer {
  let bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(0x02, bytes);
}

/** UTCTime before 2050, GeneralizedTime from then on (RFC 5280 §4.1.2.5). */
function time(ms: number): Buffer {
  const iso = new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const year = Number(iso.slice(0, 4));
  return year < 2050
    ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`, 'ascii'))
    : tlv(0x18, Buffer.from(`${iso}Z`, 'ascii'));
}

const SHA256_WITH_RSA = sequence(oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));

function name(organization: string, commonName: string): Buffer {
  return sequence(
    set(sequence(oid('2.5.4.10'), utf8(organization))),
    set(sequence(oid('2.5.4.3'), utf8(commonName))),
  );
}

export interface SelfSignedCertificateInput {
  /** Hex; must not start with a zero byte or a byte ≥ 0x80, so its text form is stable. */
  serialHex: string;
  publicKey: KeyObject;
  privateKey: KeyObject;
  notBefore: number;
  notAfter: number;
  organization: string;
  commonName: string;
}

/**
 * A self-signed X.509 v3 certificate (SHA256withRSA) as PEM, checked by parsing it back with
 * Node's `X509Certificate` before it is returned.
 */
export function selfSignedCertificate(input: SelfSignedCertificateInput): string {
  const subject = name(input.organization, input.commonName);
  const tbs = sequence(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))),
    integerFromHex(input.serialHex),
    SHA256_WITH_RSA,
    subject,
    sequence(time(input.notBefore), time(input.notAfter)),
    subject,
    input.publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, input.privateKey);
  const der = sequence(tbs, SHA256_WITH_RSA, tlv(0x03, Buffer.from([0]), signature));
  const base64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  const pem = `-----BEGIN CERTIFICATE-----\n${base64.replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
  const parsed = new X509Certificate(pem);
  if (parsed.serialNumber.toUpperCase() !== input.serialHex.toUpperCase()) {
    throw new Error('selfSignedCertificate: the certificate does not read back its serial');
  }
  return pem;
}
