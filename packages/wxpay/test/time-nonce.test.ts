import { describe, expect, it } from 'vitest';
import { isWxPayError } from '../src/errors.js';
import { nonceStr } from '../src/nonce.js';
import { formatWxTime, parseWxTime, timeStampSeconds } from '../src/time.js';

describe('formatWxTime / parseWxTime (Beijing time)', () => {
  it('when a UTC instant is formatted, then it reads as Beijing time (UTC+8)', () => {
    expect(formatWxTime(new Date('2025-11-01T16:00:00Z'))).toBe('20251102000000');
    expect(formatWxTime(new Date('2024-02-29T03:04:05.999Z'))).toBe('20240229110405');
  });

  it('when a Beijing time is parsed, then the instant is right and round-trips', () => {
    expect(parseWxTime('20251102000000').toISOString()).toBe('2025-11-01T16:00:00.000Z');
    expect(formatWxTime(parseWxTime('20141030133525'))).toBe('20141030133525');
  });

  it.each([
    '2025110200000',
    '2025-11-02 00:00:00',
    '20250230120000',
    '20251101240000',
    '20251301000000',
    '',
  ])('when %j is parsed, then it is refused', (text) => {
    expect(() => parseWxTime(text)).toThrow(/parseWxTime/);
  });

  it('when the date is invalid, then formatWxTime refuses it', () => {
    expect(() => formatWxTime(new Date(Number.NaN))).toThrow(/valid Date/);
  });

  it('when timeStampSeconds is asked, then it gives whole seconds as a string', () => {
    expect(timeStampSeconds(new Date(1414561699999))).toBe('1414561699');
    expect(timeStampSeconds()).toMatch(/^\d{10}$/);
  });
});

describe('nonceStr', () => {
  it('when made, then 32 letters/digits by default, all different', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i += 1) {
      const n = nonceStr();
      expect(n).toMatch(/^[0-9A-Za-z]{32}$/);
      seen.add(n);
    }
    expect(seen.size).toBe(1000);
    expect(nonceStr(16)).toHaveLength(16);
  });

  it('when the length is not 1..32, then a config error', () => {
    for (const length of [0, 33, 1.5]) {
      try {
        nonceStr(length);
        expect.unreachable();
      } catch (err) {
        expect(isWxPayError(err, 'INVALID_ARGUMENT')).toBe(true);
      }
    }
  });
});
