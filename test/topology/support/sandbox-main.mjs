// The sandbox as its own process, playing WeChat at made-up public host names over HTTPS with a
// certificate from the run's CA (what `pnpm sandbox` cannot be given: it serves the demo
// certificate). Started by sandbox-process.ts with `--import resolve-to-loopback.mjs` and
// NODE_EXTRA_CA_CERTS, so its notifications reach the shop's HTTPS notify URL through nginx.
// FEN_TOPOLOGY_SANDBOX is JSON: {configFile, port, tlsPort, timeScale, tls: {cert, key, ca}}
// (paths), with the merchants and apps in configFile (SANDBOX_CONFIG's format).
import { readFileSync } from 'node:fs';
import { createSandbox } from '@fen/wx-sandbox';

const settings = JSON.parse(process.env.FEN_TOPOLOGY_SANDBOX ?? '{}');
const { merchants, apps } = JSON.parse(readFileSync(settings.configFile, 'utf8'));
const sandbox = await createSandbox({
  merchants,
  apps,
  port: settings.port,
  tlsPort: settings.tlsPort,
  timeScale: settings.timeScale,
  tls: {
    cert: readFileSync(settings.tls.cert),
    key: readFileSync(settings.tls.key),
    ca: readFileSync(settings.tls.ca),
  },
  logger: (entry) => {
    if (entry.level === 'warn' || entry.level === 'error') console.error(JSON.stringify(entry));
  },
});
console.log(`sandbox ${sandbox.url} ${sandbox.tlsUrl}`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
