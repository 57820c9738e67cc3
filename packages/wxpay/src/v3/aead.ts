import { createCipheriv, createDecipheriv } from 'node:crypto';
import { wxPayError } from '../errors.js';
import { nonceStr as newNonceStr } from '../nonce.js';

/** The APIv3 key is 32 bytes: AES-256 (docs/protocol.md §6). */
export const API_V3_KEY_BYTES = 32;
const TAG_BYTES = 16;

/** What WeChat sends as `resource` (notifications) or `encrypt_certificate` (downloads). */
export interface EncryptedResource {
  algorithm?: string;
  /** base64(ciphertext ‖ 16-byte tag). */
  ciphertext: string;
  /** The IV as text: 12 ASCII characters from WeChat. */
  nonce: string;
  /** May be empty or absent; it must be passed exactly as received. */
  associated_data?: string;
}

/**
 * Throws a `config` `V3_KEY_LENGTH` error unless `key` is the 32-byte APIv3 key. The usual
 * mistakes are the 32-character APIv2 key (right length, wrong key: shows up as an
 * authentication failure instead) and a 16-byte test key; the message names the length only.
 */
export function requireApiV3Key(key: unknown, where: string): Buffer {
  const bytes =
    typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.isBuffer(key) ? key : undefined;
  if (bytes === undefined || bytes.length !== API_V3_KEY_BYTES) {
    const got = bytes === undefined ? typeof key : `${bytes.length} bytes`;
    throw wxPayError(
      'config',
      'V3_KEY_LENGTH',
      `${where}: the APIv3 key must be ${API_V3_KEY_BYTES} bytes (got ${got}); ` +
        'it is the APIv3 key set under API security in the merchant platform',
    );
  }
  return bytes;
}

/**
 * AEAD_AES_256_GCM decryption of a notification resource or a downloaded certificate
 * (docs/protocol.md §6, Decryption). Errors (kind `notify`): `V3_RESOURCE_INVALID` (missing or
 * non-base64 ciphertext, empty nonce, unknown algorithm), `V3_DECRYPT_FAILED` (the tag does not
 * authenticate: the message says what to check first).
 */
export function decryptResource(resource: EncryptedResource, apiV3Key: string | Buffer): string {
  const key = requireApiV3Key(apiV3Key, 'decryptResource');
  const where = 'decryptResource';
  if (resource.algorithm !== undefined && resource.algorithm !== 'AEAD_AES_256_GCM') {
    throw wxPayError(
      'notify',
      'V3_RESOURCE_INVALID',
      `${where}: algorithm ${JSON.stringify(resource.algorithm)} is not AEAD_AES_256_GCM`,
    );
  }
  if (typeof resource.nonce !== 'string' || resource.nonce === '') {
    throw wxPayError('notify', 'V3_RESOURCE_INVALID', `${where}: the nonce is missing`);
  }
  const data = decodeCiphertext(resource.ciphertext, where);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(resource.nonce, 'utf8'));
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
  decipher.setAAD(Buffer.from(resource.associated_data ?? '', 'utf8'));
  try {
    const plain = Buffer.concat([
      decipher.update(data.subarray(0, data.length - TAG_BYTES)),
      decipher.final(),
    ]);
    return plain.toString('utf8');
  } catch (err) {
    throw wxPayError(
      'notify',
      'V3_DECRYPT_FAILED',
      `${where}: AES-GCM authentication failed: check the APIv3 key first (not the APIv2 key), ` +
        'then that associated_data and nonce are the ones received with this ciphertext',
      { cause: err },
    );
  }
}

function decodeCiphertext(ciphertext: unknown, where: string): Buffer {
  if (typeof ciphertext !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(ciphertext)) {
    throw wxPayError('notify', 'V3_RESOURCE_INVALID', `${where}: the ciphertext is not base64`);
  }
  const data = Buffer.from(ciphertext, 'base64');
  if (data.length < TAG_BYTES) {
    throw wxPayError(
      'notify',
      'V3_RESOURCE_INVALID',
      `${where}: the ciphertext is shorter than the 16-byte tag`,
    );
  }
  return data;
}

/**
 * The reverse of {@link decryptResource}, for a sandbox playing WeChat: returns a resource
 * `{algorithm, ciphertext, nonce, associated_data}`. The nonce defaults to 12 fresh random
 * alphanumeric characters, like WeChat's.
 */
export function encryptResource(
  plaintext: string | Buffer,
  apiV3Key: string | Buffer,
  options: { associatedData?: string; nonce?: string } = {},
): Required<EncryptedResource> {
  const key = requireApiV3Key(apiV3Key, 'encryptResource');
  const nonce = options.nonce ?? newNonceStr(12);
  if (nonce === '') {
    throw wxPayError('config', 'INVALID_ARGUMENT', 'encryptResource: the nonce must not be empty');
  }
  const associatedData = options.associatedData ?? '';
  const cipher = createCipheriv('aes-256-gcm', key, Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return {
    algorithm: 'AEAD_AES_256_GCM',
    ciphertext: body.toString('base64'),
    nonce,
    associated_data: associatedData,
  };
}
