import { connect } from 'node:net';

/**
 * HTTP/1.1 by hand, over a plain socket: fetch cannot send what a fuzzer needs (a Content-Length
 * that lies, bytes that are not Latin-1 in a header, a broken chunked body, a raw path).
 */

export interface RawRequest {
  method: string;
  /** Sent as is: may hold anything, including bytes fetch would encode or refuse. */
  path: string | Buffer;
  headers: ReadonlyArray<readonly [string, string | Buffer]>;
  body?: Buffer;
  /**
   * `exact` (default: the body's length), `none`, `chunked` (the body in random-sized chunks),
   * or a number to send instead — a lie when it differs from the body.
   */
  framing?: 'exact' | 'none' | 'chunked' | number;
  /** Close our sending side after the request (a client that gives up on a short body). */
  halfClose?: boolean;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The whole reply as received, head and body. */
  raw: Buffer;
}

export function encodeRequest(request: RawRequest): Buffer {
  const body = request.body ?? Buffer.alloc(0);
  const parts: Buffer[] = [
    Buffer.from(`${request.method} `, 'latin1'),
    Buffer.isBuffer(request.path) ? request.path : Buffer.from(request.path, 'utf8'),
    Buffer.from(' HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n', 'latin1'),
  ];
  for (const [name, value] of request.headers) {
    parts.push(
      Buffer.from(`${name}: `, 'latin1'),
      Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8'),
      Buffer.from('\r\n'),
    );
  }
  const framing = request.framing ?? 'exact';
  if (framing === 'chunked') {
    parts.push(Buffer.from('Transfer-Encoding: chunked\r\n\r\n'));
    for (let i = 0; i < body.length;) {
      const size = Math.min(body.length - i, 1 + ((i * 7919) % 4096));
      parts.push(Buffer.from(`${size.toString(16)}\r\n`), body.subarray(i, i + size));
      parts.push(Buffer.from('\r\n'));
      i += size;
    }
    parts.push(Buffer.from('0\r\n\r\n'));
    return Buffer.concat(parts);
  }
  if (framing === 'exact') parts.push(Buffer.from(`Content-Length: ${body.length}\r\n`));
  else if (typeof framing === 'number') parts.push(Buffer.from(`Content-Length: ${framing}\r\n`));
  parts.push(Buffer.from('\r\n'), body);
  return Buffer.concat(parts);
}

function parseResponse(whole: Buffer): RawResponse | undefined {
  // Skip interim replies (`100 Continue` to `Expect: 100-continue`): the final one counts.
  let raw = whole;
  while (/^HTTP\/1\.[01] 1\d\d/.test(raw.subarray(0, 16).toString('latin1'))) {
    const interimEnd = raw.indexOf('\r\n\r\n');
    if (interimEnd === -1) return undefined;
    raw = raw.subarray(interimEnd + 4);
  }
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const [statusLine = '', ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.subarray(end + 4);
  if (headers['transfer-encoding']?.includes('chunked')) body = dechunk(body);
  else if (headers['content-length']) body = body.subarray(0, Number(headers['content-length']));
  return { status: Number(match[1]), headers, body, raw: whole };
}

function dechunk(data: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', i);
    if (lineEnd === -1) break;
    const size = parseInt(data.subarray(i, lineEnd).toString('latin1'), 16);
    if (!(size > 0)) break;
    out.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    i = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(out);
}

/**
 * Sends `request` to 127.0.0.1:`port` and reads until the server closes (we always send
 * `Connection: close`). `undefined` when no complete reply came within `timeoutMs` — a server
 * still waiting for the body a lying Content-Length promised, for instance.
 */
export function rawRequest(
  port: number,
  request: RawRequest,
  timeoutMs = 10_000,
): Promise<RawResponse | undefined> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const reply = parseResponse(Buffer.concat(chunks));
      // A reset after a complete reply is fine; a reset with nothing is "no reply".
      if (error && !reply && (error as NodeJS.ErrnoException).code !== 'ECONNRESET') {
        reject(error);
      } else {
        resolve(reply);
      }
    };
    const timer = setTimeout(() => finish(), timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => finish());
    socket.on('close', () => finish());
    socket.on('error', (err) => finish(err));
    socket.write(encodeRequest(request), () => {
      if (request.halfClose) socket.end();
    });
  });
}
