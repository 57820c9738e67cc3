import { describe, expect, it } from 'vitest';
import { isFen } from '../src/money.js';

describe('isFen', () => {
  it('when given a non-negative safe integer, then it is an amount in fen', () => {
    expect(isFen(0)).toBe(true);
    expect(isFen(1990)).toBe(true);
  });

  it('when given a float, a negative, NaN or a string, then it is not', () => {
    for (const value of [19.9, -1, Number.NaN, Number.MAX_SAFE_INTEGER + 1, '100', null]) {
      expect(isFen(value)).toBe(false);
    }
  });
});
