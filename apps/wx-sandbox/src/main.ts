import { readSandboxConfigFile } from './config-file.js';
import { createSandbox } from './sandbox.js';
import type { SandboxLogEntry } from './options.js';

/**
 * `pnpm sandbox`: the sandbox on SANDBOX_PORT (3100) and SANDBOX_TLS_PORT (3101), playing the
 * demo merchant, or the merchants and apps of the JSON file named by SANDBOX_CONFIG.
 */
function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) {
    console.error(`${name} must be a number (got "${raw}")`);
    process.exit(2);
  }
  return value;
}

const log = (entry: SandboxLogEntry) => {
  const { level, msg, ...fields } = entry;
  if (level === 'debug' && !process.env.SANDBOX_DEBUG) return;
  const line = `${new Date().toISOString()} ${level.padEnd(5)} ${msg}${Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : ''}`;
  (level === 'error' || level === 'warn' ? console.error : console.log)(line);
};

const configFile = process.env.SANDBOX_CONFIG
  ? readSandboxConfigFile(process.env.SANDBOX_CONFIG)
  : {};

const sandbox = await createSandbox({
  ...configFile,
  host: process.env.SANDBOX_HOST || '127.0.0.1',
  port: envNumber('SANDBOX_PORT', 3100),
  tlsPort: envNumber('SANDBOX_TLS_PORT', 3101),
  timeScale: envNumber('SANDBOX_TIME_SCALE', 1),
  logger: log,
});

console.log(`Fen WeChat sandbox
  WeChat APIs + payer page  ${sandbox.url}/
  mutual TLS (/secapi/…)    ${sandbox.tlsUrl}
  control API               ${sandbox.url}/__sandbox/health
  merchants                 ${
    configFile.merchants
      ? configFile.merchants.map((m) => `mch_id ${m.mchId}`).join(', ') +
        ` (${process.env.SANDBOX_CONFIG})`
      : 'the demo merchant: mch_id 1900000109, appid wxfe00000000000001 (see docs/sandbox.md)'
  }`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    sandbox.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}
