import { Agent, request } from 'node:https';
import type { LookupFunction } from 'node:net';

/** Our made-up host names point at this machine, as the processes' preload makes them. */
const toLoopback: LookupFunction = (_hostname, options, callback) => {
  if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};

export interface Reply {
  status: number;
  // Tests read reply fields directly; the assertions are the type check.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * A client on one address of this machine (127.0.0.x): a shopper's phone, or WeChat's control
 * API caller, speaking JSON over HTTPS to our made-up host names and trusting only the run's CA.
 * Keeps its connections alive, as a phone's WeChat does.
 */
export function httpsClient(ca: string, localAddress = '127.0.0.1') {
  const agent = new Agent({ ca, keepAlive: true, maxSockets: 4, localAddress, lookup: toLoopback });
  return {
    localAddress,
    send(
      method: string,
      url: string,
      init: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
      timeoutMs = 45_000,
    ): Promise<Reply> {
      const headers: Record<string, string> = { ...init.headers };
      if (init.token) headers.authorization = `Bearer ${init.token}`;
      const payload = init.body === undefined ? undefined : JSON.stringify(init.body);
      if (payload !== undefined) headers['content-type'] = 'application/json';
      return new Promise((resolve, reject) => {
        const req = request(url, { method, headers, agent, timeout: timeoutMs }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = text;
            try {
              body = JSON.parse(text);
            } catch {
              // not JSON
            }
            resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
          });
        });
        req.on('timeout', () =>
          req.destroy(new Error(`${method} ${url}: no answer in ${timeoutMs} ms`)),
        );
        req.on('error', reject);
        req.end(payload);
      });
    },
    close: () => agent.destroy(),
  };
}

export type HttpsClient = ReturnType<typeof httpsClient>;
