import { wxPayError } from '../errors.js';
import { decryptResource } from './aead.js';
import type { EncryptedResource } from './aead.js';
import type { SignedMessage, V3Verifier } from './verifier.js';

/** The notification envelope (docs/protocol.md §6, Notify body), with its resource decrypted. */
export interface V3Notification<R = Record<string, unknown>> {
  id: string;
  create_time: string;
  /** `TRANSACTION.SUCCESS`, `REFUND.SUCCESS`, `REFUND.ABNORMAL`, `REFUND.CLOSED`, … */
  event_type: string;
  resource_type: string;
  summary: string;
  /** `transaction`, `refund`, … */
  original_type: string;
  /** The decrypted resource, parsed. */
  resource: R;
  /** The decrypted resource exactly as it was encrypted. */
  plaintext: string;
}

/**
 * Verifies and opens a v3 notification (docs/protocol.md §6), failing closed: signature first (over
 * the exact body; `signature` errors from the verifier), then the envelope
 * (`notify` `V3_NOTIFY_MALFORMED`), then AEAD_AES_256_GCM with the APIv3 key and the
 * `associated_data` the resource carries (`V3_RESOURCE_INVALID`, `V3_DECRYPT_FAILED`), then the
 * plaintext must be a JSON object (`V3_NOTIFY_MALFORMED`). The caller still checks the order:
 * mchid, appid, out_trade_no and the exact `amount.total`.
 */
export async function parseV3Notification<R = Record<string, unknown>>(
  message: SignedMessage,
  options: { verifier: V3Verifier; apiV3Key: string | Buffer },
): Promise<V3Notification<R>> {
  await options.verifier.verify(message, 'notification');
  const envelope = parseObject(
    typeof message.body === 'string' ? message.body : message.body.toString('utf8'),
    'body',
  );
  const resource = envelope.resource as EncryptedResource | undefined;
  if (
    resource === null ||
    typeof resource !== 'object' ||
    typeof envelope.event_type !== 'string'
  ) {
    throw wxPayError('notify', 'V3_NOTIFY_MALFORMED', 'notification: no event_type or resource');
  }
  const plaintext = decryptResource(resource, options.apiV3Key);
  return {
    id: String(envelope.id ?? ''),
    create_time: String(envelope.create_time ?? ''),
    event_type: envelope.event_type,
    resource_type: String(envelope.resource_type ?? ''),
    summary: String(envelope.summary ?? ''),
    original_type: String((resource as { original_type?: unknown }).original_type ?? ''),
    resource: parseObject(plaintext, 'decrypted resource') as R,
    plaintext,
  };
}

function parseObject(text: string, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw wxPayError('notify', 'V3_NOTIFY_MALFORMED', `notification: ${what} is not JSON`, {
      cause: err,
    });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw wxPayError('notify', 'V3_NOTIFY_MALFORMED', `notification: ${what} is not a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * The reply WeChat wants (docs/protocol.md §6, Notify ack): 204, no body, on success; on failure a
 * 5xx with `{"code":"FAIL","message":…}` — only a non-2xx makes WeChat retry.
 */
export function v3NotifyAck(ok: boolean, message = '失败'): { status: number; body?: string } {
  return ok ? { status: 204 } : { status: 500, body: JSON.stringify({ code: 'FAIL', message }) };
}
