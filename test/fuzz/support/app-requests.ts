import type { ServerUnderTest } from '../../server/helpers/stack.js';
import { eventually } from '../../server/helpers/stack.js';

/**
 * What the app itself decided about the requests of one case. Node's HTTP layer may answer a
 * broken framing (a body cut short, bytes after the declared body) with its own 400 while the
 * app, which had complete headers, still handles the request — a route that never reads its body
 * (pay, cancel) does so in full, after that 400 went out. So a case waits until every request
 * the app started has logged its "request" line (the error middleware writes one when a request
 * is done), and is judged by the statuses the app gave, not only by what came back.
 */
export interface AppRequests {
  /** Waits for the app to finish what it started; returns the statuses it gave since last time. */
  settle(): Promise<number[]>;
  stop(): void;
}

export function watchAppRequests(server: ServerUnderTest): AppRequests {
  let started = 0;
  const onRequest = () => {
    started += 1;
  };
  server.running.server.on('request', onRequest);
  let scanned = server.logs.lines.length;
  let finished = 0;
  const statuses: number[] = [];
  const readLog = () => {
    for (; scanned < server.logs.lines.length; scanned += 1) {
      const line = server.logs.lines[scanned] ?? '';
      if (line.includes('"msg":"request"')) {
        finished += 1;
        statuses.push((JSON.parse(line) as { status: number }).status);
      }
    }
  };
  return {
    async settle() {
      await eventually(
        async () => {
          readLog();
          return finished >= started ? true : undefined;
        },
        10_000,
        'the requests the app started to finish',
      );
      return statuses.splice(0);
    },
    stop() {
      server.running.server.off('request', onRequest);
    },
  };
}
