import { SandboxClock } from './clock.js';
import { FaultState } from './faults.js';
import { Notifier } from './notify/notifier.js';
import type { ResolvedOptions, SandboxLogger, SandboxMerchant, SandboxOptions } from './options.js';
import { Identities } from './state/identities.js';
import { OrderStore } from './state/orders.js';
import { Timers } from './timers.js';

/** Everything the routes share: state, clock, faults, timers and the notifier. */
export interface SandboxCore {
  options: ResolvedOptions;
  clock: SandboxClock;
  timers: Timers;
  faults: FaultState;
  orders: OrderStore;
  identities: Identities;
  notifier: Notifier;
  merchants: Map<string, SandboxMerchant>;
  logger: SandboxLogger;
  /** The sandbox's own HTTP base URL (for mweb_url), known once it listens. */
  publicUrl: string;
}

export function createCore(resolved: ResolvedOptions, options: SandboxOptions): SandboxCore {
  const clock = new SandboxClock(options.clock);
  const timers = new Timers();
  const faults = new FaultState();
  const logger: SandboxLogger = options.logger ?? (() => {});
  return {
    options: resolved,
    clock,
    timers,
    faults,
    orders: new OrderStore(() => clock.nowMs()),
    identities: new Identities(resolved.apps, clock, resolved.tokenQuotaPerDay),
    notifier: new Notifier({
      timers,
      faults,
      clock,
      timeScale: resolved.timeScale,
      timeoutMs: resolved.notifyTimeoutMs,
      logger,
    }),
    merchants: new Map(resolved.merchants.map((m) => [m.mchId, m])),
    logger,
    publicUrl: resolved.publicUrl ?? '',
  };
}
