import type Koa from 'koa';
import { appError } from '../errors.js';
import { addressBucket, clientIp } from './client-ip.js';
import type { AppContext, AppState } from './context.js';
import type { RateLimitSettings } from '../config.js';
import type { RateLimiter, RateWindow } from './rate-limiter.js';

/** A limit of a route: `limit` requests a minute per subject (the client's address, or user). */
export interface RateRule {
  /** What is counted, in the Redis key: `guest-sessions`, `order-actions`, … */
  name: string;
  per: 'address' | 'user';
  limit: number;
  windowMs?: number;
}

function subjectOf(ctx: AppContext, per: RateRule['per']): string {
  if (per === 'user') return `user:${ctx.state.user?.id ?? ''}`;
  return `ip:${addressBucket(clientIp(ctx))}`;
}

/** Refusing: 429 with Retry-After and the project's error body; shoppers read the message. */
function rateLimited(ctx: AppContext, retryAfterSeconds: number): never {
  ctx.set('Retry-After', String(retryAfterSeconds));
  throw appError('RATE_LIMITED', `操作过于频繁，请 ${retryAfterSeconds} 秒后再试`);
}

/**
 * Limits a route before it runs (before it calls WeChat or stores anything), counting in every
 * rule's window at once — in Redis, so all instances share the count. A user rule must come
 * after the session middleware. If the limiter itself fails (Redis down), the request passes:
 * a payment taken beats a limit kept, and the failure is logged.
 */
export function rateLimit(limiter: RateLimiter, ...rules: RateRule[]): Koa.Middleware<AppState> {
  return async (ctx, next) => {
    const windows: RateWindow[] = rules.map((rule) => ({
      key: `${rule.name}:${subjectOf(ctx, rule.per)}`,
      limit: rule.limit,
      windowMs: rule.windowMs ?? 60_000,
    }));
    let decision;
    try {
      decision = await limiter.take(windows);
    } catch (err) {
      ctx.state.log.warn({ err }, 'rate limiter unavailable; request let through');
    }
    if (decision && !decision.allowed) rateLimited(ctx, decision.retryAfterSeconds);
    await next();
  };
}

/** The limited routes' middleware, from the settings (docs/configuration.md). */
export function routeRateLimits(limiter: RateLimiter, limits: RateLimitSettings) {
  const perAddress = (name: string, limit: number) =>
    rateLimit(limiter, { name, per: 'address', limit });
  return {
    /** Each guest session is a new user: without a limit one client could fill the database. */
    guestSessions: perAddress('guest-sessions', limits.guestSessionsPerMinute),
    /** A login costs a call to WeChat and may create a user. */
    logins: perAddress('logins', limits.loginsPerMinute),
    /** A signature with the (cached) jsapi_ticket, fetched from WeChat when it has lapsed. */
    jssdk: perAddress('jssdk', limits.loginsPerMinute),
    /** Create, pay (switch channel), cancel: each a unifiedorder or a closeorder at WeChat. */
    orderActions: rateLimit(
      limiter,
      { name: 'order-actions', per: 'user', limit: limits.orderActionsPerMinute },
      { name: 'order-actions', per: 'address', limit: limits.orderActionsPerIpPerMinute },
    ),
  };
}

export type RouteRateLimits = ReturnType<typeof routeRateLimits>;
