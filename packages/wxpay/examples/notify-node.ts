/**
 * A payment notification handler in plain Node (`node:http`). WeChat posts signed XML and retries
 * until it reads SUCCESS, so: read the raw body, verify it, record the payment, and only then
 * answer SUCCESS; anything else answers FAIL so WeChat tries again.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { notifyReply, parsePaymentNotification } from '@fen/wxpay';
import type { NotifyOptions } from '@fen/wxpay';

/** What the shop does with a verified notification; throw to have WeChat retry. */
export type OnPayment = (fields: Record<string, string>) => Promise<void>;

/** The request body as bytes, refused beyond `maxBytes` (WeChat's notifications are small). */
export async function readBody(req: IncomingMessage, maxBytes = 64 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new Error('notification too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** A server answering `POST /wxpay/notify`; call `.listen(port)` on it. */
export function createNotifyServer(merchant: NotifyOptions, onPayment: OnPayment): Server {
  return createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/wxpay/notify') {
      res.writeHead(404).end();
      return;
    }
    const answer = (ok: boolean, message?: string) =>
      res.writeHead(200, { 'content-type': 'text/xml' }).end(notifyReply(ok, message));
    readBody(req)
      .then((body) => parsePaymentNotification(body, merchant))
      .then(async (fields) => {
        // A verified notification can still report a failed payment: only SUCCESS is paid.
        if (fields.result_code === 'SUCCESS') await onPayment(fields);
        answer(true);
      })
      .catch((err: unknown) => answer(false, err instanceof Error ? err.message : 'error'));
  });
}
