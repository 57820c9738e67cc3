import { isWxPayError, wxPayError } from '../errors.js';
import { decryptResource } from './aead.js';
import type { EncryptedResource } from './aead.js';
import { certificateSource } from './key-sources.js';
import { normalizeSerial, parsePlatformCertificate } from './keys.js';
import type { PlatformCertificate } from './keys.js';
import { replyJson, sendV3 } from './transport.js';
import type { V3Transport } from './transport.js';
import { createV3Verifier } from './verifier.js';

/** One entry of the `/v3/certificates` reply. */
interface CertificateEntry {
  serial_no?: unknown;
  effective_time?: unknown;
  expire_time?: unknown;
  encrypt_certificate?: EncryptedResource;
}

const LABEL = 'GET /v3/certificates';

/**
 * `GET /v3/certificates` (docs/protocol.md §6) decrypts each `encrypt_certificate` with the v3 key
 * (associated_data `certificate`), checks each certificate's serial is the `serial_no` beside it,
 * then verifies the reply's own signature with the certificates it delivered — there is nothing
 * else to verify it with on first use. Errors: `signature` `V3_CERTIFICATE_DECRYPT_FAILED`
 * (wrong APIv3 key), `V3_CERTIFICATE_INVALID`, and the verifier's codes; transport and
 * `WxPayV3ApiError` as for any call.
 */
export async function downloadPlatformCertificates(
  transport: V3Transport,
  apiV3Key: string | Buffer,
): Promise<PlatformCertificate[]> {
  const reply = await sendV3(
    transport,
    { method: 'GET', path: '/v3/certificates', label: LABEL },
    null,
  );
  const json = replyJson<{ data?: unknown }>(reply, LABEL);
  if (!Array.isArray(json.data)) {
    throw wxPayError('api', 'V3_BAD_RESPONSE', `${LABEL}: reply has no data array`);
  }
  const certificates = (json.data as CertificateEntry[]).map((entry) => openEntry(entry, apiV3Key));
  const verifier = createV3Verifier({
    keys: certificateSource(certificates, transport.now),
    now: transport.now,
  });
  await verifier.verify({ headers: reply.headers, body: reply.body }, LABEL);
  return certificates;
}

function openEntry(entry: CertificateEntry, apiV3Key: string | Buffer): PlatformCertificate {
  if (typeof entry.serial_no !== 'string' || entry.encrypt_certificate === undefined) {
    throw wxPayError(
      'signature',
      'V3_CERTIFICATE_INVALID',
      `${LABEL}: an entry lacks serial_no or encrypt_certificate`,
    );
  }
  let pem: string;
  try {
    pem = decryptResource(entry.encrypt_certificate, apiV3Key);
  } catch (err) {
    if (isWxPayError(err) && err.kind === 'config') throw err;
    throw wxPayError(
      'signature',
      'V3_CERTIFICATE_DECRYPT_FAILED',
      `${LABEL}: certificate ${entry.serial_no} does not decrypt: check the APIv3 key (32 bytes, set in the merchant platform)`,
      { cause: err },
    );
  }
  const cert = parsePlatformCertificate(pem);
  if (cert.serial !== normalizeSerial(entry.serial_no)) {
    throw wxPayError(
      'signature',
      'V3_CERTIFICATE_INVALID',
      `${LABEL}: serial_no ${entry.serial_no} does not match the certificate's serial ${cert.serial}`,
    );
  }
  return cert;
}
