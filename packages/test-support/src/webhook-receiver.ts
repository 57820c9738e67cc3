import { createServer } from 'node:http';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * How the receiver answers one request: a WeCom robot's success (`{"errcode":0}`), its refusal
 * (HTTP 200 with errcode 45009, as past its rate limit), a 500, or never.
 */
export type WebhookAnswer = 'ok' | 'refused' | 'error' | 'hang';

export interface ReceivedWebhook {
  at: number;
  headers: IncomingHttpHeaders;
  /** The body as JSON (or its text when it is not JSON). */
  body: unknown;
}

/** A local HTTP endpoint standing in for an alert webhook (a WeCom group robot's answer). */
export interface WebhookReceiver {
  url: string;
  /** Every request, in arrival order (a hung one too, once its body arrived). */
  readonly received: ReceivedWebhook[];
  /** Answers the next requests in this order, then `ok` again. */
  plan(...answers: WebhookAnswer[]): void;
  /** Answers every request this way from now on (after any planned answers). */
  setDefault(answer: WebhookAnswer): void;
  /** Ends hung requests and stops listening. */
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const planned: WebhookAnswer[] = [];
  let fallback: WebhookAnswer = 'ok';
  const hung = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // kept as text
      }
      received.push({ at: Date.now(), headers: req.headers, body });
      const answer = planned.shift() ?? fallback;
      if (answer === 'hang') {
        hung.add(res);
        return;
      }
      const [status, reply] = {
        ok: [200, { errcode: 0, errmsg: 'ok' }],
        refused: [200, { errcode: 45009, errmsg: 'api freq out of limit' }],
        error: [500, { error: 'down' }],
      }[answer] as [number, object];
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/cgi-bin/webhook/send?key=test-robot-key`,
    received,
    plan: (...answers) => planned.push(...answers),
    setDefault: (answer) => {
      fallback = answer;
    },
    async close() {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
