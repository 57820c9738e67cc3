import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * WeChat's message push security (消息推送, the WXBizMsgCrypt scheme shared by official accounts
 * and mini-programs; checked in tests against the official sample's known answer):
 * - `signature` = hex SHA-1 of token, timestamp and nonce sorted as strings and joined;
 * - safe mode: `Encrypt` = base64 of AES-256-CBC (key = base64-decoded EncodingAESKey + "=",
 *   IV = its first 16 bytes, PKCS#7 padding to 32-byte blocks) over
 *   16 random bytes ‖ message length (4 bytes, big-endian) ‖ message ‖ appid;
 *   `msg_signature` = hex SHA-1 of token, timestamp, nonce and Encrypt, sorted and joined.
 */
export function pushSignature(...parts: string[]): string {
  return createHash('sha1')
    .update([...parts].sort().join(''))
    .digest('hex');
}

const BLOCK = 32;

function aesKey(encodingAesKey: string): Buffer {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) throw new Error('EncodingAESKey must decode to 32 bytes');
  return key;
}

export function encryptPush(message: string, encodingAesKey: string, appId: string): string {
  const key = aesKey(encodingAesKey);
  const body = Buffer.from(message, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length, 0);
  const plain = Buffer.concat([randomBytes(16), length, body, Buffer.from(appId, 'utf8')]);
  const pad = BLOCK - (plain.length % BLOCK);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([
    cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])),
    cipher.final(),
  ]).toString('base64');
}

/** The message and appid inside an `Encrypt` value (throws on a malformed one). */
export function decryptPush(
  encrypted: string,
  encodingAesKey: string,
): { message: string; appId: string } {
  const key = aesKey(encodingAesKey);
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([
    decipher.update(Buffer.from(encrypted, 'base64')),
    decipher.final(),
  ]);
  const pad = plain[plain.length - 1] ?? 0;
  if (pad < 1 || pad > BLOCK) throw new Error('bad padding');
  const content = plain.subarray(16, plain.length - pad);
  const length = content.readUInt32BE(0);
  if (4 + length > content.length) throw new Error('bad length');
  return {
    message: content.subarray(4, 4 + length).toString('utf8'),
    appId: content.subarray(4 + length).toString('utf8'),
  };
}
