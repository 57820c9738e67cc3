import type Koa from 'koa';
import type { Logger } from '../logger.js';

/** What the middleware puts on `ctx.state` for the routes. */
export interface AppState {
  requestId: string;
  log: Logger;
  /** Set by the session middleware on `/api` routes. */
  user?: { id: string };
}

export type AppContext = Koa.ParameterizedContext<AppState>;
