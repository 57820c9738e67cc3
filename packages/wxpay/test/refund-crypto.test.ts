import { describe, expect, it } from 'vitest';
import { isWxPayError } from '../src/errors.js';
import {
  aes256EcbEncrypt,
  decryptRefundInfo,
  encryptRefundInfo,
  refundInfoKey,
} from '../src/refund-crypto.js';
import { DEMO } from './support/wechat-demo.js';
import { vectorsOfKind } from './support/vectors.js';

const decryptVectors = vectorsOfKind('v2_refund_reqinfo_decrypt');
const encryptVectors = vectorsOfKind('v2_refund_reqinfo_encrypt');
const rawKeyVectors = vectorsOfKind('aes_256_ecb_encrypt_raw_key');

function errorOf(fn: () => unknown): { kind: string; code: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (isWxPayError(err)) return err;
    throw err;
  }
  throw new Error('expected a WxPayError');
}

describe('refund req_info with the published vectors', () => {
  it('when the vectors are loaded, then all three kinds are there', () => {
    expect(decryptVectors.length).toBeGreaterThanOrEqual(1);
    expect(encryptVectors.length).toBeGreaterThanOrEqual(1);
    expect(rawKeyVectors.length).toBeGreaterThanOrEqual(1);
  });

  it.each(decryptVectors.map((v) => [v.id, v] as const))(
    'when decrypting vector %s, then the key and fields match',
    (_id, v) => {
      const apiKey = v.input.api_key ?? '';
      expect(refundInfoKey(apiKey).toString('ascii')).toBe(v.expected.aes_key_ascii);
      const info = decryptRefundInfo(v.input.req_info ?? '', apiKey);
      expect(info).toMatchObject(v.expected.fields as unknown as Record<string, string>);
      // …and encrypting the published plaintext gives back the published req_info.
      expect(encryptRefundInfo(v.expected.plaintext ?? '', apiKey)).toBe(v.input.req_info);
    },
  );

  it.each(encryptVectors.map((v) => [v.id, v] as const))(
    'when encrypting vector %s, then req_info matches byte for byte',
    (_id, v) => {
      const apiKey = v.input.api_key ?? '';
      expect(refundInfoKey(apiKey).toString('ascii')).toBe(v.expected.aes_key_ascii);
      expect(encryptRefundInfo(v.input.plaintext ?? '', apiKey)).toBe(v.expected.req_info);
      expect(decryptRefundInfo(v.expected.req_info ?? '', apiKey).refund_recv_accout).toBe(
        '支付用户零钱',
      );
    },
  );

  it.each(rawKeyVectors.map((v) => [v.id, v] as const))(
    'when AES-256-ECB encrypts vector %s with its raw key, then the ciphertext matches',
    (_id, v) => {
      const ciphertext = aes256EcbEncrypt(
        Buffer.from(v.input.plaintext ?? '', 'utf8'),
        Buffer.from(v.input.key ?? '', 'utf8'),
      );
      expect(ciphertext.toString('base64')).toBe(v.expected.ciphertext);
    },
  );
});

describe('encryptRefundInfo / decryptRefundInfo', () => {
  const info = {
    out_refund_no: 'R1',
    out_trade_no: 'FEN1',
    refund_fee: '990',
    refund_recv_accout: '招商银行信用卡8915 ]]> &',
    success_time: '2025-11-01 12:00:00',
  };

  it('when fields are encrypted, then they decrypt to the same exact strings', () => {
    expect(decryptRefundInfo(encryptRefundInfo(info, DEMO.key), DEMO.key)).toEqual(info);
  });

  it('when the key is another merchant key, then decryption fails with a hint, not garbage', () => {
    const reqInfo = encryptRefundInfo(info, DEMO.key);
    for (const other of [
      '0'.repeat(32),
      DEMO.key.toUpperCase(),
      'fensandboxapikey0123456789abcdee',
    ]) {
      const err = errorOf(() => decryptRefundInfo(reqInfo, other));
      expect(err.code).toBe('REFUND_INFO_DECRYPT_FAILED');
      expect(err.kind).toBe('notify');
      expect(err.message).toMatch(/APIv2 key/);
      expect(err.message).not.toContain(other);
    }
  });

  it('when req_info is not base64, then REFUND_INFO_BASE64_INVALID', () => {
    for (const bad of ['', 'not base64!', 'abc', '====', '4gS8kbcHysCW7bHq yEU0M4GTNkgJQP6/']) {
      expect(errorOf(() => decryptRefundInfo(bad, DEMO.key)).code, bad).toBe(
        'REFUND_INFO_BASE64_INVALID',
      );
    }
  });

  it('when req_info is base64 but not whole AES blocks, then REFUND_INFO_BASE64_INVALID', () => {
    const err = errorOf(() => decryptRefundInfo(Buffer.alloc(20).toString('base64'), DEMO.key));
    expect(err.code).toBe('REFUND_INFO_BASE64_INVALID');
    expect(err.message).toMatch(/20 bytes/);
  });

  it('when the plaintext is not <root> XML, then decryption is reported as failed', () => {
    const notXml = encryptRefundInfo('hello', DEMO.key);
    expect(errorOf(() => decryptRefundInfo(notXml, DEMO.key)).code).toBe(
      'REFUND_INFO_DECRYPT_FAILED',
    );
    const wrongRoot = encryptRefundInfo('<xml><a>1</a></xml>', DEMO.key);
    expect(errorOf(() => decryptRefundInfo(wrongRoot, DEMO.key)).code).toBe(
      'REFUND_INFO_DECRYPT_FAILED',
    );
  });

  it('when the API key is not 32 characters, then a config error without the key', () => {
    for (const fn of [
      () => decryptRefundInfo('AAAA', 'short-key'),
      () => encryptRefundInfo(info, 'short-key'),
      () => decryptRefundInfo('AAAA', DEMO.secret + '0'),
    ]) {
      const err = errorOf(fn);
      expect(err.kind).toBe('config');
      expect(err.message).toMatch(/32 letters or digits/);
      expect(err.message).not.toContain('short-key');
    }
  });
});
