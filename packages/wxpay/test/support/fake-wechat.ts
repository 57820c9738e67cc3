import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';

/** One request as the fake WeChat received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: string;
  headers: IncomingMessage['headers'];
  /** Subject CN of the client certificate, when one was presented over TLS. */
  clientCertCn?: string;
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface FakeWeChatOptions {
  /** Serve HTTPS; with `requestCert`, require a client certificate signed by `ca`. */
  tls?: {
    key: Buffer | string;
    cert: Buffer | string;
    ca?: Buffer | string;
    requestCert?: boolean;
  };
}

/**
 * A local server on port 0 that answers like WeChat: tests register a handler per path and read
 * what was received. Unrouted paths get 404.
 */
export interface FakeWeChat {
  url: string;
  port: number;
  requests: RecordedRequest[];
  route(method: string, path: string, handler: Handler): void;
  /** Requests received on `path`. */
  calls(path: string): RecordedRequest[];
  close(): Promise<void>;
}

export async function startFakeWeChat(options: FakeWeChatOptions = {}): Promise<FakeWeChat> {
  const routes = new Map<string, Handler>();
  const requests: RecordedRequest[] = [];
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const socket = req.socket as Partial<TLSSocket>;
      const peer = socket.getPeerCertificate?.();
      const cn = peer?.subject?.CN;
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body: Buffer.concat(chunks).toString('utf8'),
        headers: req.headers,
        ...(typeof cn === 'string' ? { clientCertCn: cn } : {}),
      };
      requests.push(recorded);
      const handler = routes.get(`${recorded.method} ${recorded.path}`);
      if (handler === undefined) {
        res.writeHead(404).end('not found');
        return;
      }
      Promise.resolve(handler(recorded, res)).catch((err: unknown) => {
        res.writeHead(500).end(String(err));
      });
    });
  };
  const server: Server = options.tls
    ? createHttpsServer(
        {
          key: options.tls.key,
          cert: options.tls.cert,
          ...(options.tls.ca === undefined ? {} : { ca: options.tls.ca }),
          requestCert: options.tls.requestCert ?? false,
          rejectUnauthorized: options.tls.requestCert ?? false,
        },
        listener,
      )
    : createHttpServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    requests,
    route(method, path, handler) {
      routes.set(`${method} ${path}`, handler);
    },
    calls: (path) => requests.filter((r) => r.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers a JSON body (the mini-program / official-account APIs). */
export function replyJson(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

/** Answers a raw text body (XML or a bill). */
export function replyText(
  res: ServerResponse,
  body: string | Buffer,
  contentType = 'text/plain; charset=utf-8',
): void {
  res.writeHead(200, { 'content-type': contentType });
  res.end(body);
}

/** Resolves after `ms`, for handlers that must answer slowly. */
export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
