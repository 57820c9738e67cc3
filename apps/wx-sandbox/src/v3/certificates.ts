import { encryptResource } from '@fen/wxpay';
import type { SandboxCore } from '../core.js';
import type { V3Request } from './pipeline.js';
import type { V3Outcome } from './reply.js';
import { v3State } from './state.js';
import { rfc3339Beijing } from './time.js';

/**
 * `GET /v3/certificates` [docs/protocol.md §6]: the live platform certificates (two from a
 * rotation's publication to the end of its overlap), each encrypted with the caller's APIv3 key
 * (associated_data `certificate`). Signed with the platform certificate that signs now, whatever
 * the mode: before a switch that is the old one, which a client that refreshes already has; a
 * client on first use checks the download with the certificates it delivers.
 */
export function listCertificates(request: V3Request, core: SandboxCore): V3Outcome {
  const body = {
    data: v3State(core)
      .keys.served()
      .map((cert) => ({
        serial_no: cert.serial,
        effective_time: rfc3339Beijing(cert.validFrom),
        expire_time: rfc3339Beijing(cert.validTo),
        encrypt_certificate: encryptResource(cert.pem, request.caller.credentials.apiV3Key, {
          associatedData: 'certificate',
        }),
      })),
  };
  return { kind: 'json', status: 200, body, signWithCertificate: true };
}
