import { describe, expect, it } from 'vitest';
import { app } from './support/app.js';

const { formatFen, formatTime, multiplyFen } = app.format();

describe('formatFen', () => {
  it.each([
    [1990, '¥19.90'],
    [0, '¥0.00'],
    [1, '¥0.01'],
    [10, '¥0.10'],
    [100, '¥1.00'],
    [12800, '¥128.00'],
    [1989, '¥19.89'],
    [-250, '-¥2.50'],
    [Number.MAX_SAFE_INTEGER, '¥90071992547409.91'],
  ])('when given %d fen, then it shows %s', (fen, text) => {
    expect(formatFen(fen)).toBe(text);
  });

  it('when given a float of yuan or a non-number, then it refuses rather than guess', () => {
    expect(() => formatFen(19.9)).toThrow(TypeError);
    expect(() => formatFen(Number.NaN)).toThrow(TypeError);
    expect(() => formatFen('1990' as unknown as number)).toThrow(TypeError);
    expect(() => formatFen(2 ** 53)).toThrow(TypeError);
  });
});

describe('multiplyFen', () => {
  it('when a 9.90 yuan item is bought 3 times, then the total is exactly 2970 fen', () => {
    expect(multiplyFen(990, 3)).toBe(2970);
    expect(formatFen(multiplyFen(990, 3))).toBe('¥29.70');
  });

  it('when the price or quantity is not whole, or the total overflows, then it throws', () => {
    expect(() => multiplyFen(9.9, 1)).toThrow(TypeError);
    expect(() => multiplyFen(990, 0)).toThrow(TypeError);
    expect(() => multiplyFen(990, 1.5)).toThrow(TypeError);
    expect(() => multiplyFen(-1, 1)).toThrow(TypeError);
    expect(() => multiplyFen(Number.MAX_SAFE_INTEGER, 2)).toThrow(RangeError);
  });
});

describe('formatTime', () => {
  it('when given an instant, then it shows Beijing time whatever the machine zone', () => {
    expect(formatTime('2025-01-02T05:04:09.000Z')).toBe('2025-01-02 13:04');
    expect(formatTime('2025-12-31T16:30:00Z')).toBe('2026-01-01 00:30');
  });

  it('when the time is absent or unreadable, then it shows nothing', () => {
    expect(formatTime(undefined)).toBe('');
    expect(formatTime('not a time')).toBe('');
  });
});
