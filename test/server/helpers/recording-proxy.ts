import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fromXml } from '@fen/wxpay';

/** Headers a pass-through must not copy: they describe one hop, not the message. */
const HOP_HEADERS = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'content-encoding',
]);

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
        // neither XML nor JSON (or empty, as a GET): recorded by its path, forwarded all the same
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
          res.writeHead(reply.status, out);
          res.end(Buffer.from(await reply.arrayBuffer()));
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
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
