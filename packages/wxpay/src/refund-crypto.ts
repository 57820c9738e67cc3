import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { requireApiKey } from './api-key.js';
import { wxPayError } from './errors.js';
import { fromXml, toXml } from './xml.js';
import type { XmlFields } from './xml.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const AES_BLOCK = 16;

/**
 * Decrypts a refund notification's `req_info` (docs/protocol.md §4.2) [D-refund-notify]: base64 →
 * AES-256-ECB with PKCS#7 padding, key = lowercase hex MD5 of the APIv2 key used as 32 ASCII
 * bytes → `<root>` XML → its fields. Throws `WxPayError` kind `notify`:
 * `REFUND_INFO_BASE64_INVALID`, or `REFUND_INFO_DECRYPT_FAILED` (almost always a wrong key).
 */
export function decryptRefundInfo(reqInfo: string, apiKey: string): Record<string, string> {
  requireApiKey(apiKey, 'decryptRefundInfo');
  if (typeof reqInfo !== 'string' || reqInfo === '' || !BASE64.test(reqInfo)) {
    throw wxPayError(
      'notify',
      'REFUND_INFO_BASE64_INVALID',
      'decryptRefundInfo: req_info is not base64 text',
    );
  }
  const ciphertext = Buffer.from(reqInfo, 'base64');
  if (ciphertext.length % AES_BLOCK !== 0) {
    throw wxPayError(
      'notify',
      'REFUND_INFO_BASE64_INVALID',
      `decryptRefundInfo: req_info decodes to ${ciphertext.length} bytes, not whole AES blocks`,
    );
  }
  let plaintext: Buffer;
  try {
    plaintext = aes256EcbDecrypt(ciphertext, refundInfoKey(apiKey));
  } catch (err) {
    throw decryptFailed('the padding is wrong after decryption', err);
  }
  try {
    return fromXml(plaintext, { rootName: 'root' });
  } catch (err) {
    throw decryptFailed('it did not decrypt to <root> XML', err);
  }
}

/**
 * The reverse of {@link decryptRefundInfo}, as WeChat does it: fields (written as `<root>` XML
 * with CDATA) or a ready `<root>` XML string → base64 AES-256-ECB. Used by the sandbox.
 */
export function encryptRefundInfo(info: XmlFields | string, apiKey: string): string {
  requireApiKey(apiKey, 'encryptRefundInfo');
  const xml = typeof info === 'string' ? info : toXml(info, { rootName: 'root' });
  return aes256EcbEncrypt(Buffer.from(xml, 'utf8'), refundInfoKey(apiKey)).toString('base64');
}

/** The refund notification's AES key: lowercase hex MD5 of the APIv2 key, as 32 ASCII bytes. */
export function refundInfoKey(apiKey: string): Buffer {
  return Buffer.from(createHash('md5').update(apiKey, 'utf8').digest('hex'), 'ascii');
}

/** AES-256-ECB with PKCS#7 padding; `key` is 32 raw bytes. */
export function aes256EcbEncrypt(plaintext: Buffer, key: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-ecb', key, null);
  return Buffer.concat([cipher.update(plaintext), cipher.final()]);
}

/** AES-256-ECB with PKCS#7 padding; throws when the padding is wrong (a wrong key, usually). */
export function aes256EcbDecrypt(ciphertext: Buffer, key: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-ecb', key, null);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

function decryptFailed(why: string, cause: unknown) {
  return wxPayError(
    'notify',
    'REFUND_INFO_DECRYPT_FAILED',
    `decryptRefundInfo: req_info could not be decrypted (${why}); ` +
      'check that the APIv2 key is the one of this merchant',
    { cause },
  );
}
