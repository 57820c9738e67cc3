import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isWxPayError } from '../src/errors.js';
import { canonicalStringV2, signV2, verifyV2 } from '../src/sign.js';
import type { SignableParams, SignType } from '../src/sign.js';
import { fromXml } from '../src/xml.js';
import { DEMO } from './support/wechat-demo.js';
import { vectorsOfKind } from './support/vectors.js';

interface SignInput {
  params?: SignableParams;
  xml?: string;
  key: string;
  sign_type: SignType;
}

const signVectors = vectorsOfKind('v2_sign');
const verifyVectors = vectorsOfKind('v2_verify');
const inputOf = (v: { input: unknown }) => v.input as SignInput;
const paramsOf = (input: SignInput): SignableParams => input.params ?? fromXml(input.xml ?? '');

describe('signV2 with the published vectors', () => {
  it('when the vectors are loaded, then both kinds are there', () => {
    expect(signVectors.length).toBeGreaterThanOrEqual(9);
    expect(verifyVectors.length).toBeGreaterThanOrEqual(4);
  });

  it.each(signVectors.map((v) => [v.id, v] as const))(
    'when signing vector %s, then the sign and stringSignTemp match',
    (_id, v) => {
      const input = inputOf(v);
      expect(signV2(input.params ?? {}, input.key, input.sign_type)).toBe(v.expected.sign);
      if (v.expected.string_sign_temp !== undefined) {
        expect(canonicalStringV2(input.params ?? {}) + '&key=' + input.key).toBe(
          v.expected.string_sign_temp,
        );
      }
    },
  );

  it.each(verifyVectors.map((v) => [v.id, v] as const))(
    'when verifying vector %s, then the verdict and stringSignTemp match',
    (_id, v) => {
      const input = inputOf(v);
      const params = paramsOf(input);
      const expected = v.expected as unknown as Record<string, unknown>;
      expect(verifyV2(params, input.key)).toBe(expected.valid);
      if (typeof expected.string_sign_temp === 'string') {
        expect(canonicalStringV2(params) + '&key=' + input.key).toBe(expected.string_sign_temp);
      }
      const correct = expected.sign ?? expected.correct_md5_sign;
      if (typeof correct === 'string') {
        expect(signV2(params, input.key, input.sign_type)).toBe(correct);
      }
    },
  );
});

describe('signV2 rules', () => {
  const params = { appid: DEMO.appId, mch_id: DEMO.mchId, nonce_str: 'abc', body: '测试商品' };

  it('when MD5 is computed by hand, then signV2 agrees (uppercase hex)', () => {
    const temp = `appid=${DEMO.appId}&body=测试商品&mch_id=${DEMO.mchId}&nonce_str=abc&key=${DEMO.key}`;
    const md5 = createHash('md5').update(temp, 'utf8').digest('hex').toUpperCase();
    expect(signV2(params, DEMO.key)).toBe(md5);
    expect(signV2(params, DEMO.key)).toMatch(/^[0-9A-F]{32}$/);
    expect(signV2(params, DEMO.key, 'HMAC-SHA256')).toMatch(/^[0-9A-F]{64}$/);
  });

  it('when values are empty, null or undefined, then they are skipped', () => {
    expect(signV2({ ...params, device_info: '', attach: undefined, detail: null }, DEMO.key)).toBe(
      signV2(params, DEMO.key),
    );
    expect(canonicalStringV2({ b: '', a: '1', sign: 'X' })).toBe('a=1');
  });

  it('when the same layout comes again with other values, then only its order is reused', () => {
    // The name order of a layout is cached; values and which of them are empty are not.
    const layout = (a: string, b: string, c: string) => ({ c, sign: 'X', a, b });
    expect(canonicalStringV2(layout('1', '2', '3'))).toBe('a=1&b=2&c=3');
    expect(canonicalStringV2(layout('', '2', '3'))).toBe('b=2&c=3');
    expect(canonicalStringV2(layout('1', '', ''))).toBe('a=1');
    expect(canonicalStringV2(layout('', '', ''))).toBe('');
    // Same names in another insertion order: another layout, the same canonical string.
    expect(canonicalStringV2({ b: '2', a: '1', c: '3' })).toBe('a=1&b=2&c=3');
  });

  it('when more layouts come than the cache holds, then every one still signs right', () => {
    for (let round = 0; round < 2; round += 1) {
      for (let n = 1; n <= 40; n += 1) {
        const fields: Record<string, string> = { z: 'last' };
        for (let i = n; i > 0; i -= 1) fields[`f${String(i).padStart(2, '0')}`] = String(i);
        const expected = [
          ...Array.from({ length: n }, (_, i) => `f${String(i + 1).padStart(2, '0')}=${i + 1}`),
          'z=last',
        ].join('&');
        expect(canonicalStringV2(fields)).toBe(expected);
      }
    }
  });

  it('when a value is whitespace, then it is signed as is (not empty)', () => {
    expect(canonicalStringV2({ a: ' ', b: '0' })).toBe('a= &b=0');
  });

  it('when names differ only by case, then ASCII order puts uppercase first', () => {
    expect(canonicalStringV2({ b: '1', a: '2', B: '3', _x: '4' })).toBe('B=3&_x=4&a=2&b=1');
  });

  it('when sign_type is a field, then it is signed and picks the algorithm', () => {
    const hmac = { ...params, sign_type: 'HMAC-SHA256' };
    expect(canonicalStringV2(hmac)).toContain('sign_type=HMAC-SHA256');
    expect(signV2(hmac, DEMO.key)).toBe(signV2(hmac, DEMO.key, 'HMAC-SHA256'));
    expect(signV2(hmac, DEMO.key)).toHaveLength(64);
    expect(signV2({ ...params, sign_type: 'MD5' }, DEMO.key)).not.toBe(signV2(params, DEMO.key));
  });

  it('when a value is a number, then it is signed like its decimal string', () => {
    expect(signV2({ total_fee: 1990 }, DEMO.key)).toBe(signV2({ total_fee: '1990' }, DEMO.key));
  });

  it('when the key is empty, then a config error says so without any key', () => {
    expect(() => signV2(params, '')).toThrow(/non-empty/);
    try {
      signV2(params, '');
    } catch (err) {
      expect(isWxPayError(err, 'INVALID_ARGUMENT') && err.kind).toBe('config');
    }
  });

  it('when sign_type is unknown, then signV2 refuses and verifyV2 says invalid', () => {
    expect(() => signV2({ ...params, sign_type: 'SHA1' }, DEMO.key)).toThrow(/unsupported/);
    const sign = signV2({ ...params, sign_type: 'SHA1' }, DEMO.key, 'MD5');
    expect(verifyV2({ ...params, sign_type: 'SHA1', sign }, DEMO.key)).toBe(false);
  });

  it('when a value is an object, then signV2 refuses it and verifyV2 says invalid', () => {
    const bad = { ...params, detail: { a: 1 } } as unknown as SignableParams;
    expect(() => signV2(bad, DEMO.key)).toThrow(/string or a number/);
    expect(verifyV2({ ...(bad as object), sign: 'X' } as SignableParams, DEMO.key)).toBe(false);
  });
});

describe('verifyV2', () => {
  const signed = (p: Record<string, string>, t?: SignType) => ({
    ...p,
    sign: signV2(p, DEMO.key, t),
  });
  const base = { appid: DEMO.appId, mch_id: DEMO.mchId, total_fee: '1990', attach: '中文 & <x>' };

  it('when the sign is right, then it is valid, whatever extra empty fields come along', () => {
    expect(verifyV2(signed(base), DEMO.key)).toBe(true);
    expect(verifyV2({ ...signed(base), coupon_fee: '' }, DEMO.key)).toBe(true);
  });

  it('when any field is tampered with, then it is invalid', () => {
    for (const name of Object.keys(base)) {
      const tampered = { ...signed(base), [name]: (base as Record<string, string>)[name] + '0' };
      expect(verifyV2(tampered, DEMO.key), name).toBe(false);
    }
    expect(verifyV2({ ...signed(base), extra: 'x' }, DEMO.key)).toBe(false);
  });

  it('when the key is another, then it is invalid', () => {
    expect(verifyV2(signed(base), DEMO.key.replace('f', 'e'))).toBe(false);
  });

  it('when the sign is missing, empty, lowercase or truncated, then it is invalid', () => {
    const s = signed(base);
    expect(verifyV2(base, DEMO.key)).toBe(false);
    expect(verifyV2({ ...base, sign: '' }, DEMO.key)).toBe(false);
    expect(verifyV2({ ...base, sign: s.sign.toLowerCase() }, DEMO.key)).toBe(false);
    expect(verifyV2({ ...base, sign: s.sign.slice(0, 31) }, DEMO.key)).toBe(false);
    expect(verifyV2({ ...base, sign: s.sign + 'A' }, DEMO.key)).toBe(false);
  });

  it('when HMAC-SHA256 is named by sign_type, then it verifies; when not named, the default decides', () => {
    const hmac = signed({ ...base, sign_type: 'HMAC-SHA256' });
    expect(verifyV2(hmac, DEMO.key)).toBe(true);
    const unnamed = signed(base, 'HMAC-SHA256');
    expect(verifyV2(unnamed, DEMO.key)).toBe(false);
    expect(verifyV2(unnamed, DEMO.key, 'HMAC-SHA256')).toBe(true);
  });

  it('when an MD5 sign is presented as HMAC-SHA256, then it is invalid', () => {
    const md5Sign = signV2({ ...base, sign_type: 'HMAC-SHA256' }, DEMO.key, 'MD5');
    expect(verifyV2({ ...base, sign_type: 'HMAC-SHA256', sign: md5Sign }, DEMO.key)).toBe(false);
  });
});
