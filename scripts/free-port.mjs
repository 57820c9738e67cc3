// A free TCP port on 127.0.0.1.
import { createServer } from 'node:net';

/**
 * Asks the OS for a port nobody listens on (bind to port 0, read it, close). Another process could
 * take it before the caller binds it; callers that start servers on it retry on failure.
 * @param {string} [host]
 * @returns {Promise<number>}
 */
export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
