import type { RateLimiter } from '../http/rate-limiter.js';
import type { Logger } from '../logger.js';
import type { OrderRecord } from '../stores/order-store.js';

/**
 * Whether a `?sync=1` may ask WeChat about an order now: at most once per `intervalSeconds` per
 * order and `perUserPerMinute` times per user, counted in the shared limiter (Redis: over all
 * instances). Ten syncs in a row make one orderquery, not ten. If the limiter fails the sync
 * goes ahead (logged): the client's view of a payment matters more than the count.
 */
export function createOrderSyncGate(
  limiter: RateLimiter,
  settings: { intervalSeconds: number; perUserPerMinute: number },
  log: Logger,
) {
  return async function mayQueryWeChat(order: OrderRecord): Promise<boolean> {
    try {
      const decision = await limiter.take([
        {
          key: `order-sync:order:${order._id.toHexString()}`,
          limit: 1,
          windowMs: settings.intervalSeconds * 1000,
        },
        {
          key: `order-sync:user:${order.userId.toHexString()}`,
          limit: settings.perUserPerMinute,
          windowMs: 60_000,
        },
      ]);
      return decision.allowed;
    } catch (err) {
      log.warn({ err }, 'rate limiter unavailable; sync let through');
      return true;
    }
  };
}
