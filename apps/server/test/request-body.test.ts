import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isAppError } from '../src/errors.js';
import { readJsonBody, readRawBody } from '../src/http/request-body.js';

// Regression for a fuzz finding (test/fuzz/server-api.test.ts): a client that announces a body
// and hangs up before sending it made readRawBody throw Node's raw "aborted" error, which the
// error middleware answered (and logged) as a 500 "request failed".

const servers: Array<ReturnType<typeof createServer>> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** Reads one request with `read` and resolves with what it threw (or returned). */
async function readCutOffRequest(read: (req: IncomingMessage) => Promise<unknown>) {
  const outcome = new Promise<unknown>((resolve) => {
    const server = createServer((req, res) => {
      read(req).then(resolve, resolve);
      res.on('error', () => undefined);
    });
    servers.push(server);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      const socket = connect({ port, host: '127.0.0.1' }, () => {
        socket.write(
          'POST /x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
            'Content-Length: 100\r\n\r\n{"code":',
          () => socket.destroy(),
        );
      });
      socket.on('error', () => undefined);
    });
  });
  return outcome;
}

describe('request bodies cut off by the client', () => {
  it('when the client hangs up before the announced body ends, then readRawBody throws a 400', async () => {
    const err = await readCutOffRequest((req) => readRawBody(req, 1024));
    expect(isAppError(err, 'BAD_REQUEST')).toBe(true);
    expect((err as { status: number }).status).toBe(400);
  });

  it('when the client hangs up in the middle of a JSON body, then readJsonBody throws a 400', async () => {
    const err = await readCutOffRequest((req) => readJsonBody(req));
    expect(isAppError(err, 'BAD_REQUEST')).toBe(true);
    expect((err as { status: number }).status).toBe(400);
  });
});
