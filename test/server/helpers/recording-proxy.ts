import { request as httpRequest } from 'node:http';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fromXml } from '@fen/wxpay';
import { isV3 } from './stack.js';

// What the server sends to WeChat, seen on the way: the sandbox does not show every field
// (spbill_create_ip) nor count calls, so a test points the pay API at this recording pass-through.

/** Headers a pass-through must not copy: they describe one hop, not the message. */
const HOP_HEADERS = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'content-encoding',
]);

/**
 * WeChat's calls by path, per API version; a capture group is the out_trade_no when the path
 * names it (APIv3), else it is the body's `out_trade_no`.
 */
const CALLS = isV3
  ? {
      prepay: /^\/v3\/pay\/transactions\/(?:jsapi|native|h5|app)$/,
      query: /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)$/,
      close: /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)\/close$/,
    }
  : { prepay: /^\/pay\/unifiedorder$/, query: /^\/pay\/orderquery$/, close: /^\/pay\/closeorder$/ };

/** A request the recorder forwarded: its path (no query) and its fields by their wire names. */
export interface RecordedRequest {
  path: string;
  // A JSON body keeps its nesting (scene_info.payer_client_ip).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  fields: Record<string, any>;
}

/**
 * A pass-through to the sandbox that keeps every request body it forwards (XML for APIv2, JSON
 * for APIv3). Headers go through both ways, so APIv3's Authorization and the sandbox's
 * Wechatpay-* signature headers arrive as they were made.
 */
export async function recordingProxy(
  target: string,
  options: {
    /** Changes a reply's headers on the way back (a forger on the path), by request path. */
    rewriteReply?: (path: string, headers: Record<string, string>) => void;
    /** Changes a reply's body on the way back (a bill damaged on the path), by request path. */
    rewriteBody?: (path: string, body: Buffer) => Buffer;
  } = {},
) {
  const seen: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = (req.url ?? '').replace(/\?.*$/, '');
      try {
        const text = body.toString('utf8');
        seen.push({
          path,
          fields: text.trimStart().startsWith('{') ? JSON.parse(text) : fromXml(body),
        });
      } catch {
        // neither XML nor JSON (an APIv3 GET has no body): kept by path, forwarded all the same
        seen.push({ path, fields: {} });
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (!HOP_HEADERS.has(name) && typeof value === 'string') headers[name] = value;
      }
      void fetch(`${target}${req.url ?? ''}`, {
        method: req.method ?? 'POST',
        headers,
        ...(body.length > 0 ? { body } : {}),
        signal: AbortSignal.timeout(10_000),
      }).then(
        async (reply) => {
          const out: Record<string, string> = {};
          reply.headers.forEach((value, name) => {
            if (!HOP_HEADERS.has(name)) out[name] = value;
          });
          options.rewriteReply?.(path, out);
          const replyBody = Buffer.from(await reply.arrayBuffer());
          res.writeHead(reply.status, out);
          res.end(options.rewriteBody ? options.rewriteBody(path, replyBody) : replyBody);
        },
        () => {
          res.writeHead(502);
          res.end();
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** The requests forwarded to `path`, in order. */
    requests: (path: string) => seen.filter((r) => r.path === path),
    /** The out_trade_no of each prepay, query or close forwarded, in either API version. */
    outTradeNos: (kind: keyof typeof CALLS) =>
      seen.flatMap((r) => {
        const match = CALLS[kind].exec(r.path);
        if (!match) return [];
        return [String(match[1] ?? r.fields.out_trade_no)];
      }),
    unifiedOrders: (outTradeNo: string) =>
      seen
        .filter((r) => CALLS.prepay.test(r.path) && r.fields.out_trade_no === outTradeNo)
        .map((r) => r.fields),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * POST /api/orders over a socket bound to `localAddress` (any 127.0.0.0/8 address reaches the
 * server on 127.0.0.1), so the IP the server sees is one the test chose.
 */
export function createOrderFrom(
  localAddress: string,
  serverUrl: string,
  token: string,
  headers: Record<string, string> = {},
  // Tests read response fields directly; the assertions are the type check (as `call` does).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; body: any }> {
  const payload = JSON.stringify({ items: [{ productId: 'jasmine-tea', quantity: 1 }] });
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${serverUrl}/api/orders`,
      {
        method: 'POST',
        localAddress,
        timeout: 10_000,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}

/** The payer's IP as sent: APIv2 spbill_create_ip, APIv3 scene_info.payer_client_ip. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const sentIp = (sent: Record<string, any> | undefined): unknown =>
  isV3 ? sent?.scene_info?.payer_client_ip : sent?.spbill_create_ip;
