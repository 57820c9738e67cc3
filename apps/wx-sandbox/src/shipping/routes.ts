import type Router from '@koa/router';
import type { SandboxCore } from '../core.js';
import { shippingApiRouter } from './api-routes.js';
import { shippingControlRouter } from './control-routes.js';
import { MessagePusher } from './message-push.js';
import { ShippingStore } from './store.js';

/**
 * The shipping-info service (发货信息管理): its store and message pusher, the APIs on the
 * mini-program host and the control routes. A timer checks the sandbox clock every `tickMs`, so
 * automatic confirmation and settlement follow `advanceClock` without a request.
 */
export function shippingRouters(core: SandboxCore): Router[] {
  const options = core.options.shipping;
  const pusher = new MessagePusher(
    {
      timers: core.timers,
      clock: core.clock,
      timeScale: core.options.timeScale,
      timeoutMs: core.options.notifyTimeoutMs,
      logger: core.logger,
    },
    options.messagePush,
  );
  const store = new ShippingStore(core.orders, core.clock, options, pusher);
  const tick = () => {
    store.tick();
    core.timers.after(options.tickMs, tick);
  };
  core.timers.after(options.tickMs, tick);
  return [shippingApiRouter(core, store), shippingControlRouter(core, store, pusher)];
}
