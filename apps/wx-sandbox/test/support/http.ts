import { request as httpRequest, createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { parseTestXml, testXml } from './wire.js';

const certsDir = new URL('../../certs/', import.meta.url);
export const cert = (name: string) => readFileSync(new URL(name, certsDir));

export interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

/** One HTTP(S) request with a fresh connection (client certificate optional). */
export function send(
  url: string,
  options: {
    method?: string;
    body?: string | Buffer;
    headers?: Record<string, string>;
    tls?: { cert?: Buffer | string; key?: Buffer | string; pfx?: Buffer; passphrase?: string };
  } = {},
): Promise<RawReply> {
  const target = new URL(url);
  const isTls = target.protocol === 'https:';
  const fn = isTls ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = fn(
      target,
      {
        method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
        agent: false,
        headers: options.headers,
        timeout: 10_000,
        ...(isTls ? { ca: cert('ca.pem'), ...options.tls } : {}),
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text: body.toString('utf8'),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** POSTs fields as XML to a pay path; returns the parsed reply and the raw text. */
export async function postPay(
  url: string,
  fields: Record<string, string>,
  tls?: NonNullable<Parameters<typeof send>[1]>['tls'],
): Promise<{ reply: Record<string, string>; text: string; status: number }> {
  const res = await send(url, {
    body: testXml(fields),
    headers: { 'content-type': 'text/xml' },
    ...(tls ? { tls } : {}),
  });
  return { reply: parseTestXml(res.text), text: res.text, status: res.status };
}

/** JSON over HTTP. Tests read reply fields directly: the assertions are the type check. */
export async function json(
  url: string,
  body?: unknown,
  method?: string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; body: any }> {
  const res = await send(url, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: res.status, body: res.text ? JSON.parse(res.text) : undefined };
}

/** A merchant's notify_url: records every POST and answers with `respond`. */
export interface Receiver {
  url: string;
  hits: { at: number; body: string; fields: Record<string, string> }[];
  respond: (
    n: number,
    body: string,
  ) => { status?: number; body: string; delayMs?: number } | 'hang';
  close(): Promise<void>;
}

export const SUCCESS_REPLY =
  '<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>';
export const FAIL_REPLY =
  '<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[busy]]></return_msg></xml>';

export async function startReceiver(path = '/notify'): Promise<Receiver> {
  const receiver = {
    url: '',
    hits: [] as Receiver['hits'],
    respond: (() => ({ body: SUCCESS_REPLY })) as Receiver['respond'],
    close: async () => {},
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      receiver.hits.push({ at: performance.now(), body, fields: safeParse(body) });
      const answer = receiver.respond(receiver.hits.length, body);
      if (answer === 'hang') return;
      const reply = () => {
        res.writeHead(answer.status ?? 200, { 'content-type': 'text/xml' });
        res.end(answer.body);
      };
      if (answer.delayMs) setTimeout(reply, answer.delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return receiver;
}

function safeParse(body: string): Record<string, string> {
  try {
    return parseTestXml(body);
  } catch {
    return {};
  }
}

/** Polls until `check` returns a value: the repository's one polling helper. */
export { eventually } from '@fen/test-support/eventually';
