import { createServer, request } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Upstream {
  name: string;
  port: number;
}

/** What passed through the balancer. */
export interface BalancerStats {
  requests: number;
  byUpstream: Record<string, number>;
  /** Answers with status ≥ 500 that a server itself gave, by `METHOD path-prefix`. */
  upstream5xx: Record<string, number>;
  /** Refused connections moved to the other instance (what a load balancer does for a dead one). */
  failedOver: number;
  /** Requests cut off mid-flight (a killed server): answered 502, the caller retries. */
  cutOff: number;
  /** Requests being answered right now, by route (the storm paces payments on the notify route). */
  inFlight: Record<string, number>;
  /** Answered requests and their total time, by route: the servers' latency under the storm. */
  answered: Record<string, { count: number; totalMs: number; maxMs: number }>;
}

/** `/api/orders/65f…/cancel` → `/api/orders/:id/cancel`, so counts group by route. */
function route(method: string, url: string): string {
  const path = url.split('?')[0] ?? url;
  return `${method} ${path.replace(/\/[0-9a-f]{24}(?=\/|$)/, '/:id')}`;
}

/**
 * A round-robin HTTP load balancer in front of the server instances: WeChat's notify_url and the
 * shoppers' API both point here, so duplicates of one notification land on both instances. A
 * refused connection (the instance is down) is tried on the next instance, as nginx does; a
 * request cut off after it was sent is answered 502, and the caller (WeChat, a shopper) retries.
 */
export async function startBalancer(upstreams: Upstream[]) {
  const stats: BalancerStats = {
    requests: 0,
    byUpstream: Object.fromEntries(upstreams.map((u) => [u.name, 0])),
    upstream5xx: {},
    failedOver: 0,
    cutOff: 0,
    inFlight: {},
    answered: {},
  };
  let turn = 0;

  function forward(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    first: number,
    tries: number,
  ): void {
    const upstream = upstreams[(first + tries) % upstreams.length] as Upstream;
    let sent = false;
    const out = request(
      {
        host: '127.0.0.1',
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'content-length': String(body.length), connection: 'close' },
        agent: false,
      },
      (upstreamRes) => {
        const status = upstreamRes.statusCode ?? 502;
        if (status >= 500) {
          const key = route(req.method ?? '', req.url ?? '');
          stats.upstream5xx[key] = (stats.upstream5xx[key] ?? 0) + 1;
        }
        res.writeHead(status, upstreamRes.headers);
        upstreamRes.pipe(res);
        upstreamRes.on('error', () => res.destroy());
      },
    );
    out.on('socket', (socket) => socket.once('connect', () => (sent = true)));
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (!sent && err.code === 'ECONNREFUSED' && tries + 1 < upstreams.length) {
        stats.failedOver += 1;
        forward(req, res, body, first, tries + 1);
        return;
      }
      stats.cutOff += 1;
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`balancer: ${upstream.name} ${err.code ?? err.message}`);
    });
    stats.byUpstream[upstream.name] = (stats.byUpstream[upstream.name] ?? 0) + 1;
    out.end(body);
  }

  const server = createServer((req, res) => {
    stats.requests += 1;
    const key = route(req.method ?? '', req.url ?? '');
    const started = performance.now();
    stats.inFlight[key] = (stats.inFlight[key] ?? 0) + 1;
    res.once('close', () => {
      stats.inFlight[key] = (stats.inFlight[key] ?? 1) - 1;
      const ms = performance.now() - started;
      const entry = (stats.answered[key] ??= { count: 0, totalMs: 0, maxMs: 0 });
      entry.count += 1;
      entry.totalMs += ms;
      entry.maxMs = Math.max(entry.maxMs, ms);
    });
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => forward(req, res, Buffer.concat(chunks), turn++, 0));
    req.on('error', () => res.destroy());
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export type Balancer = Awaited<ReturnType<typeof startBalancer>>;
