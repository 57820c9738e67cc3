import { X509Certificate } from 'node:crypto';
import { Socket } from 'node:net';
import { TLSSocket, createSecureContext } from 'node:tls';
import type { MerchantCertificate } from '../config-certificates.js';

/** Who the merchant certificate names, as WeChat reads it: its CN is the mch_id. */
export interface CertificateOwner {
  commonName?: string;
  serial: string;
  issuer: string;
  validTo: string;
}

/**
 * Reads the certificate the server presents, whichever form it was configured in: the same
 * TLS context the mutual-TLS calls use is built (so a .p12 is read exactly as Node reads it for
 * the handshake), and its own certificate taken from it. Nothing is sent anywhere.
 */
export function certificateOwner(certificate: MerchantCertificate): CertificateOwner | undefined {
  const socket = new TLSSocket(new Socket(), { secureContext: createSecureContext(certificate) });
  try {
    const raw = socket.getCertificate();
    if (!raw || !('raw' in raw)) return undefined;
    const x509 = new X509Certificate(raw.raw);
    return {
      ...(fieldOf(x509.subject, 'CN') ? { commonName: fieldOf(x509.subject, 'CN') } : {}),
      serial: x509.serialNumber.toUpperCase(),
      issuer: fieldOf(x509.issuer, 'CN') ?? x509.issuer.replace(/\n/g, ', '),
      validTo: x509.validTo,
    };
  } finally {
    socket.destroy();
  }
}

/** One field of an X.509 name as Node prints it (`O=…\nCN=…`). */
function fieldOf(name: string, field: string): string | undefined {
  const line = name.split('\n').find((part) => part.startsWith(`${field}=`));
  return line?.slice(field.length + 1);
}
