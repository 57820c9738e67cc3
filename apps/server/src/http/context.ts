import type Koa from 'koa';
import type { Logger } from '../logger.js';

/** What the middleware puts on `ctx.state` for the routes. */
export interface AppState {
  requestId: string;
  log: Logger;
  /** Set by the session middleware on `/api` routes. */
  user?: { id: string };
  /** Set by the admin middleware on `/admin` routes: who is acting (http/operators.ts). */
  operator?: { name: string };
}

export type AppContext = Koa.ParameterizedContext<AppState>;
