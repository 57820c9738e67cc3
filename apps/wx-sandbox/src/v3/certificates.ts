import { encryptResource } from '@fen/wxpay';
import type { SandboxCore } from '../core.js';
import type { V3Request } from './pipeline.js';
import type { V3Outcome } from './reply.js';
import { v3State } from './state.js';
import { rfc3339Beijing } from './time.js';

/**
 * `GET /v3/certificates` [docs/protocol.md §6]: the live platform certificates (two in a rotation's
 * overlap), each encrypted with the caller's APIv3 key (associated_data `certificate`). Signed
 * with the newest platform certificate whatever the mode: a client checks the download with the
 * certificates it delivers, the only keys it has on first use.
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
