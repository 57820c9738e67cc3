import { request } from 'node:http';

/**
 * One `GET /healthz` straight to an instance: its status; `no answer` when it took the
 * connection but answered nothing within 1 s; undefined when it refused the connection.
 */
function healthz(port: number): Promise<number | 'no answer' | undefined> {
  return new Promise((resolve) => {
    let connected = false;
    const req = request({ host: '127.0.0.1', port, path: '/healthz', timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('socket', (socket) => socket.once('connect', () => (connected = true)));
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(connected ? 'no answer' : undefined));
    req.end();
  });
}

/**
 * Watches an instance start, every 20 ms, to measure the window in which it accepts connections
 * but is not ready yet (what nginx may send a request into): from the first answer that was not
 * a 200 to the first 200. nginx moves a request on only when the connection is refused, so the
 * shorter this window, the fewer requests can meet an instance that is not ready.
 */
export function watchStartup(port: number) {
  let stopped = false;
  let firstAnswer: number | undefined;
  let ready: number | undefined;
  const statuses = new Map<number | 'no answer', number>();
  const done = (async () => {
    while (!stopped && ready === undefined) {
      const sentAt = Date.now();
      const status = await healthz(port);
      if (status !== undefined) {
        // From when the first accepted probe was sent: a hung one answers only after 1 s.
        firstAnswer ??= sentAt;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status === 200) ready = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    /** Stops watching; describes what was seen. */
    async stop(): Promise<string> {
      stopped = true;
      await done;
      if (firstAnswer === undefined || ready === undefined) return 'start-up not observed';
      const before = [...statuses].filter(([status]) => status !== 200);
      return `answering but not ready for ${ready - firstAnswer} ms${before.length ? ` (${before.map(([status, n]) => `${n}× ${status}`).join(', ')})` : ''}`;
    },
  };
}
