import {
  createDecipheriv,
  createCipheriv,
  createHash,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { wxPayError } from './errors.js';

/**
 * WeChat's message push security (消息推送; the WXBizMsgCrypt scheme of official accounts and
 * mini-programs). Plain mode: `signature` = hex SHA-1 of token, timestamp and nonce sorted as
 * strings and joined. Safe mode (安全模式): `msg_signature` = the same over token, timestamp,
 * nonce and the `Encrypt` value; `Encrypt` = base64 AES-256-CBC (key = base64 of the
 * EncodingAESKey + "=", IV = the key's first 16 bytes, PKCS#7 to 32-byte blocks) of
 * 16 random bytes ‖ length (4 bytes, big-endian) ‖ message ‖ appid.
 */
export function messagePushSignature(...parts: string[]): string {
  return createHash('sha1')
    .update([...parts].sort().join(''))
    .digest('hex');
}

/** Compares a push's signature with the expected one in constant time. */
export function verifyMessagePushSignature(
  signature: string,
  token: string,
  timestamp: string,
  nonce: string,
  encrypt?: string,
): boolean {
  const parts =
    encrypt === undefined ? [token, timestamp, nonce] : [token, timestamp, nonce, encrypt];
  const expected = Buffer.from(messagePushSignature(...parts), 'utf8');
  const given = Buffer.from(signature.toLowerCase(), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const BLOCK = 32;

function aesKey(encodingAesKey: string): Buffer {
  const key = /^[A-Za-z0-9+/]{43}$/.test(encodingAesKey)
    ? Buffer.from(`${encodingAesKey}=`, 'base64')
    : Buffer.alloc(0);
  if (key.length !== 32) {
    throw wxPayError('config', 'INVALID_OPTIONS', 'EncodingAESKey must be 43 base64 characters');
  }
  return key;
}

/** Encrypts a message as WeChat does in safe mode (tests play WeChat with it). */
export function encryptMessagePush(message: string, encodingAesKey: string, appId: string): string {
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

/**
 * The message inside a safe-mode `Encrypt` value, which must name `appId` (a message for another
 * app, or anything malformed, throws `MESSAGE_DECRYPT_FAILED`).
 */
export function decryptMessagePush(
  encrypted: string,
  encodingAesKey: string,
  appId: string,
): string {
  const key = aesKey(encodingAesKey);
  const fail = (why: string) =>
    wxPayError('notify', 'MESSAGE_DECRYPT_FAILED', `message push: ${why}`);
  const data = Buffer.from(encrypted, 'base64');
  if (data.length === 0 || data.length % BLOCK !== 0) throw fail('Encrypt is not whole AES blocks');
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(data), decipher.final()]);
  const pad = plain[plain.length - 1] ?? 0;
  if (pad < 1 || pad > BLOCK || plain.length - pad < 20) throw fail('bad padding');
  const content = plain.subarray(16, plain.length - pad);
  const length = content.readUInt32BE(0);
  if (4 + length > content.length) throw fail('bad length');
  if (content.subarray(4 + length).toString('utf8') !== appId) throw fail('not for this appid');
  return content.subarray(4, 4 + length).toString('utf8');
}
