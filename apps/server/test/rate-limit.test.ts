import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../src/http/rate-limit.js';

describe('createRateLimiter', () => {
  it('when a key uses up its limit, then it waits for the next window; other keys are not held back', () => {
    let now = 1_000_000;
    const take = createRateLimiter({ limit: 2, windowMs: 60_000, now: () => now });
    expect(take('a').allowed).toBe(true);
    expect(take('a').allowed).toBe(true);
    now += 15_000;
    expect(take('a')).toEqual({ allowed: false, retryAfterSeconds: 45 });
    expect(take('b').allowed).toBe(true);
    now += 45_000;
    expect(take('a').allowed).toBe(true);
  });

  it('when more keys arrive in one window than it tracks, then unseen ones are refused until the next', () => {
    let now = 0;
    const take = createRateLimiter({ limit: 5, windowMs: 1_000, maxKeys: 2, now: () => now });
    expect(take('a').allowed).toBe(true);
    expect(take('b').allowed).toBe(true);
    expect(take('c').allowed).toBe(false);
    expect(take('a').allowed).toBe(true);
    now += 1_000;
    expect(take('c').allowed).toBe(true);
  });
});
