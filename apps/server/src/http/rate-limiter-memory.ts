import { decisionAfter } from './rate-limiter.js';
import type { RateLimiter } from './rate-limiter.js';

/**
 * Sandbox mode without Redis only (production requires Redis): the same sliding windows in this
 * process. It remembers at most `maxKeys` windows and forgets the least recently used one past
 * that, so a flood of addresses can only make it forget counts — never lock anyone out.
 */
export function createMemoryRateLimiter(
  options: { maxKeys?: number; now?: () => number } = {},
): RateLimiter {
  const { maxKeys = 10_000, now = Date.now } = options;
  const windows = new Map<string, number[]>();
  return {
    async take(wanted) {
      const at = now();
      let waitMs = 0;
      const live = wanted.map((w) => {
        const times = (windows.get(w.key) ?? []).filter((t) => t > at - w.windowMs);
        const oldestToLeave = times[times.length - w.limit];
        if (oldestToLeave !== undefined) {
          waitMs = Math.max(waitMs, oldestToLeave + w.windowMs - at);
        }
        return { key: w.key, times };
      });
      for (const { key, times } of live) {
        if (waitMs === 0) times.push(at);
        windows.delete(key);
        windows.set(key, times);
      }
      while (windows.size > maxKeys) {
        const oldest = windows.keys().next().value;
        if (oldest === undefined) break;
        windows.delete(oldest);
      }
      return decisionAfter(waitMs);
    },
  };
}
