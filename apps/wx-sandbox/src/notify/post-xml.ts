import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface PostResult {
  status: number;
  body: string;
}

/** Why a delivery produced no HTTP reply. */
export class DeliveryError extends Error {
  constructor(
    readonly kind: 'TIMEOUT' | 'CONNECTION_ERROR',
    message: string,
  ) {
    super(message);
  }
}

const MAX_REPLY_BYTES = 64 * 1024;

/**
 * POSTs an XML notification the way WeChat's notifier does: one fresh connection, `text/xml`, a
 * fixed timeout for the whole exchange. Resolves with any HTTP reply (the caller judges it);
 * rejects with {@link DeliveryError} on a timeout or a connection failure. APIv3 notifications
 * go the same way with `options` (JSON content type, the signature headers).
 */
export function postXml(
  url: string,
  xml: string,
  timeoutMs: number,
  signal: AbortSignal,
  options: { contentType?: string; headers?: Record<string, string> } = {},
): Promise<PostResult> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new DeliveryError('CONNECTION_ERROR', 'sandbox closed'));
      return;
    }
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const payload = Buffer.from(xml, 'utf8');
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      fn();
    };
    const req = send(
      target,
      {
        method: 'POST',
        agent: false,
        headers: {
          ...options.headers,
          'content-type': options.contentType ?? 'text/xml; charset=utf-8',
          'content-length': payload.length,
          'user-agent': 'Mozilla/4.0 (Fen WeChat sandbox notifier)',
          connection: 'close',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_REPLY_BYTES) chunks.push(chunk);
        });
        res.on('end', () =>
          finish(() =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          ),
        );
        res.on('error', (err) =>
          finish(() => reject(new DeliveryError('CONNECTION_ERROR', err.message))),
        );
      },
    );
    const timer = setTimeout(() => {
      finish(() => reject(new DeliveryError('TIMEOUT', `no reply within ${timeoutMs} ms`)));
      req.destroy();
    }, timeoutMs);
    const onAbort = () => {
      finish(() => reject(new DeliveryError('CONNECTION_ERROR', 'sandbox closed')));
      req.destroy();
    };
    signal.addEventListener('abort', onAbort);
    req.on('error', (err) =>
      finish(() => reject(new DeliveryError('CONNECTION_ERROR', err.message))),
    );
    req.end(payload);
  });
}
