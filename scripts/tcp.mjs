// Short TCP exchanges used to tell whether a server is up: connect, maybe send, judge the reply.
import { createConnection } from 'node:net';

/**
 * Connects to host:port; without `send`, resolves true once connected. With `send`, writes it
 * and resolves with `answer(bytesSoFar)` as soon as that returns a boolean (undefined: wait for
 * more bytes). Resolves false on an error, a closed connection or after `timeoutMs`.
 * @param {string} host
 * @param {number} port
 * @param {{send?: Buffer | string, answer?: (received: Buffer) => boolean | undefined, timeoutMs?: number}} [exchange]
 * @returns {Promise<boolean>}
 */
export function tcpCheck(host, port, { send, answer = () => undefined, timeoutMs = 1000 } = {}) {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    let received = Buffer.alloc(0);
    const finish = (verdict) => {
      socket.destroy();
      resolve(verdict);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('close', () => finish(false));
    socket.once('connect', () => (send === undefined ? finish(true) : socket.write(send)));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      const verdict = answer(received);
      if (verdict !== undefined) finish(verdict);
    });
  });
}
