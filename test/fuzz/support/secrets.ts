import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { DEMO } from '../../server/helpers/stack.js';

/** Every secret the server holds; none may ever appear in a reply (or a log line). */
export const SERVER_SECRETS: Record<string, string> = {
  'API key': DEMO.key,
  AppSecret: DEMO.appSecret,
  'session secret': DEMO.sessionSecret,
  'admin token': DEMO.adminToken,
};

/**
 * Sits between the server and the sandbox's jscode2session and remembers every session_key
 * WeChat handed out, so a test can check that none of them ever leaves the server. Everything
 * else is passed through untouched.
 */
export interface SessionKeyRecorder {
  url: string;
  sessionKeys: Set<string>;
  close(): Promise<void>;
}

export async function recordSessionKeys(sandboxUrl: string): Promise<SessionKeyRecorder> {
  const sessionKeys = new Set<string>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        try {
          const upstream = await fetch(new URL(req.url ?? '/', sandboxUrl), {
            method: req.method ?? 'GET',
            headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
            ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
          });
          const text = await upstream.text();
          const match = /"session_key"\s*:\s*"([^"]+)"/.exec(text);
          if (match?.[1]) sessionKeys.add(match[1]);
          res.writeHead(upstream.status, {
            'content-type': upstream.headers.get('content-type') ?? 'application/json',
          });
          res.end(text);
        } catch {
          res.writeHead(502).end();
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sessionKeys,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Fails when `text` holds any server secret or any session_key WeChat issued. */
export function expectNoSecret(text: string, sessionKeys: Iterable<string> = [], where = 'reply') {
  for (const [what, secret] of Object.entries(SERVER_SECRETS)) {
    if (text.includes(secret)) expect.fail(`the ${where} holds the ${what}`);
  }
  for (const key of sessionKeys) {
    if (text.includes(key)) expect.fail(`the ${where} holds a session_key`);
  }
}
