import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { isSuccessReply, signedPaymentNotification } from './helpers/notifications.js';
import { control } from './helpers/sandbox-control.js';
import { call, useFenStack } from './helpers/stack.js';

// Graceful shutdown: stop accepting, finish what is in flight (a notification above all), then
// close the database.
const stack = useFenStack();

describe('graceful shutdown', () => {
  it('when the server stops during a notification, then that notification completes and nothing new is accepted', async () => {
    const { code } = await control(stack.sandbox).loginCode('shutdown-tester');
    const token = (await call(`${stack.server.url}/api/session`, { body: { code } })).body.token;
    const { order } = (
      await call(`${stack.server.url}/api/orders`, {
        token,
        body: { items: [{ productId: 'jasmine-tea', quantity: 1 }] },
      })
    ).body;
    const xml = Buffer.from(signedPaymentNotification(order));
    const { port } = new URL(stack.server.url);

    // Send half of the notification, start shutting down, then send the rest.
    const reply = new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/wxpay/notify',
          method: 'POST',
          headers: { 'content-length': xml.length },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.write(xml.subarray(0, 100));
      setTimeout(() => req.end(xml.subarray(100)), 300);
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closing = stack.server.running.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(fetch(`${stack.server.url}/healthz`)).rejects.toThrow();

    expect(isSuccessReply(await reply)).toBe(true);
    await closing;
    expect(stack.server.running.runtime.db.connection.readyState).toBe(0);
  });
});
