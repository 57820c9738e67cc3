import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiErrorBody } from '@fen/contracts';

/** How soon a client may ask again while the server starts. */
const RETRY_AFTER_SECONDS = 1;

/**
 * The answer while the server is still connecting to its database and Redis: 503 with
 * Retry-After, in the API's error shape, so a health-check poller (or a load balancer) that
 * connected early moves on instead of waiting on a request nobody answers.
 */
export function answerNotReady(req: IncomingMessage, res: ServerResponse): void {
  const body: ApiErrorBody = {
    error: {
      code: 'SERVICE_UNAVAILABLE',
      message: 'the server is starting; try again shortly',
      requestId: randomUUID(),
    },
  };
  req.resume();
  res.writeHead(503, {
    'Content-Type': 'application/json; charset=utf-8',
    'Retry-After': String(RETRY_AFTER_SECONDS),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    Connection: 'close',
  });
  res.end(JSON.stringify(body));
}
