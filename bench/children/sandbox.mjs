// The WeChat sandbox in its own process (createSandbox), so it does not share an event loop with
// the load generator. Sends {url, tlsUrl} to the parent once listening; SIGTERM stops it.
import { createSandbox } from '@fen/wx-sandbox';

const sandbox = await createSandbox({
  host: '127.0.0.1',
  port: 0,
  tlsPort: 0,
  // Only problems are worth printing during a load test.
  logger: (entry) => {
    if (entry.level === 'warn' || entry.level === 'error') console.error(JSON.stringify(entry));
  },
});
process.send?.({ url: sandbox.url, tlsUrl: sandbox.tlsUrl });

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
// Parent gone (killed without a signal to us): stop too.
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
