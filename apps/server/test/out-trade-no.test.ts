import { describe, expect, it } from 'vitest';
import { newOutTradeNo, outRefundNoFor } from '../src/services/out-trade-no.js';

describe('merchant order numbers', () => {
  it('when made, then they fit WeChat rules (≤ 32 chars of [0-9A-Za-z_-|*]) and do not repeat', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i += 1) {
      const no = newOutTradeNo(new Date('2025-11-22T10:00:00Z'));
      expect(no).toMatch(/^[0-9A-Za-z_\-|*]{6,32}$/);
      expect(no.startsWith('FEN20251122100000')).toBe(true);
      seen.add(no);
    }
    expect(seen.size).toBe(2000);
  });

  it('when a refund is named by an Idempotency-Key, then the same key on the same order is the same number', () => {
    const order = '65a1b2c3d4e5f60718293a4b';
    const no = outRefundNoFor(order, 'refund-2025-11-22-0001');
    expect(no).toMatch(/^[0-9A-Za-z_\-|*@]{1,64}$/);
    expect(outRefundNoFor(order, 'refund-2025-11-22-0001')).toBe(no);
    expect(outRefundNoFor(order, 'refund-2025-11-22-0002')).not.toBe(no);
    expect(outRefundNoFor('65a1b2c3d4e5f60718293a4c', 'refund-2025-11-22-0001')).not.toBe(no);
  });
});
