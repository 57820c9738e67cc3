import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';

export interface ProbeReply {
  status: number;
  headers: IncomingHttpHeaders;
  /** When the request was sent and the reply's headers came (epoch ms), to place `Date`. */
  sentAt: number;
  answeredAt: number;
}

export interface ProbeOptions {
  timeoutMs: number;
  /** Trusted beside Node's roots (the sandbox's CA); unset: what Node trusts. */
  ca?: string;
}

/**
 * One GET, bounded in time, its body thrown away: enough to see that something answers over
 * (mutual-less) TLS and what its headers say. Rejects with a one-line reason: `timed out`, a
 * TLS error, a refused connection.
 */
export function probe(url: string, options: ProbeOptions): Promise<ProbeReply> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const sentAt = Date.now();
    const req = send(
      target,
      {
        method: 'GET',
        headers: { 'user-agent': 'fen-doctor' },
        timeout: options.timeoutMs,
        // A fresh connection each time: a pooled one would skip the handshake being checked.
        agent: false,
        ...(options.ca ? { ca: [...rootCertificates, options.ca] } : {}),
      },
      (res) => {
        res.resume();
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          sentAt,
          answeredAt: Date.now(),
        });
      },
    );
    const deadline = setTimeout(
      () => req.destroy(new Error(`timed out after ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    req.on('timeout', () => req.destroy(new Error(`timed out after ${options.timeoutMs} ms`)));
    req.on('error', reject);
    req.on('close', () => clearTimeout(deadline));
    req.end();
  });
}
