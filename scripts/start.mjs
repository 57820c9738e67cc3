// What `npm start` runs: install what is missing, build, start the database (and Redis when the
// server runs), then the apps that exist — the WeChat sandbox, then the server pointed at it —
// wait until each answers its health check, print the URLs, and stop everything on Ctrl-C/SIGTERM.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { bootstrap } from './bootstrap.mjs';
import { spawnOwned, waitUntil } from './children.mjs';
import { stopOnSignal } from './cli.mjs';
import { persistentDataDir, startMongo } from './mongo.mjs';
import { SERVER_NODE_ARGS, repoRoot } from './paths.mjs';
import { ensureRedis } from './redis.mjs';
import { runInherit } from './run.mjs';
import { tcpCheck } from './tcp.mjs';

const HOST = '127.0.0.1';

const SANDBOX = {
  name: 'sandbox',
  main: join(repoRoot, 'apps/wx-sandbox/dist/main.js'),
  health: (env) => `http://${HOST}:${env.SANDBOX_PORT}/__sandbox/health`,
  port: (env) => env.SANDBOX_PORT,
};
const SERVER = {
  name: 'server',
  main: join(repoRoot, 'apps/server/dist/main.js'),
  nodeArgs: SERVER_NODE_ARGS,
  health: (env) => `http://${HOST}:${env.PORT}/healthz`,
  port: (env) => env.PORT,
};

/** Stops, newest first, everything started so far. */
const stoppers = [];
let stopping = false;

async function stopAll() {
  if (stopping) return;
  stopping = true;
  console.log('[fen] stopping…');
  for (const stop of stoppers.reverse())
    await stop().catch((error) => console.error(`[fen] ${error.message}`));
}

/** Something failed while running: stop the rest and exit non-zero. */
async function fail(message) {
  console.error(`[fen] ${message}`);
  await stopAll();
  process.exit(1);
}

/** The server's .env.example values: defaults that the environment overrides. */
function envFileDefaults() {
  const file = join(repoRoot, 'apps/server/.env.example');
  return existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
}

/**
 * The environment every app gets: demo defaults < .env.example < what this stack started < yours.
 * `@fen/demo` builds it (as for the tests and the bench); it is imported once dependencies are
 * installed, so a fresh clone gets here.
 */
async function stackEnv(mongo, redis) {
  const { serverEnv } = await import('@fen/demo');
  const PORT = process.env.PORT || '3000';
  const SANDBOX_PORT = process.env.SANDBOX_PORT || '3100';
  const SANDBOX_TLS_PORT = process.env.SANDBOX_TLS_PORT || '3101';
  const sandboxUrl = `http://${HOST}:${SANDBOX_PORT}`;
  const fileDefaults = envFileDefaults();
  // WXPAY_API_VERSION=v3: WeChat is told the APIv3 notification routes.
  const v3 = (process.env.WXPAY_API_VERSION || fileDefaults.WXPAY_API_VERSION) === 'v3';
  return serverEnv({
    port: PORT,
    host: HOST,
    databaseUri: mongo.source === 'external' ? mongo.uri : `${mongo.uri}/fen`,
    ...(redis ? { redisUrl: redis.url } : {}),
    sandbox: { url: sandboxUrl, tlsUrl: `https://${HOST}:${SANDBOX_TLS_PORT}` },
    certsDir: 'apps/wx-sandbox/certs',
    apiVersion: v3 ? 'v3' : 'v2',
    defaults: fileDefaults,
    env: { SANDBOX_PORT, SANDBOX_TLS_PORT, WEB_SANDBOX_URL: sandboxUrl, ...process.env },
  });
}

async function isHealthy(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** Starts one app, waits for its health check, and stops the stack if it dies later. */
async function startApp(app, env) {
  if (await tcpCheck(HOST, Number(app.port(env)))) {
    throw new Error(
      `${app.name}: port ${app.port(env)} is already in use (another \`npm start\`?); choose another port`,
    );
  }
  const proc = spawnOwned(process.execPath, [...(app.nodeArgs ?? []), app.main], {
    cwd: repoRoot,
    env,
    prefix: `[${app.name}]`,
  });
  stoppers.push(() => proc.stop(10_000));
  proc.child.once('exit', (code, signal) => {
    // A Ctrl-C reaches every process of the terminal at once: give our own handler a moment.
    setTimeout(() => {
      if (!stopping)
        void fail(`${app.name} exited (${signal ?? `code ${code}`}); stopping the stack`);
    }, 200);
  });
  await waitUntil(() => isHealthy(app.health(env)), {
    what: `${app.name} health check ${app.health(env)}`,
    timeoutMs: 30_000,
    intervalMs: 250,
    failed: () => (proc.exited() ? 'it exited (its output is above)' : undefined),
  });
}

async function main() {
  stopOnSignal(stopAll);

  const pnpm = await bootstrap();
  if ((await runInherit(pnpm, ['run', '--silent', 'build'], { cwd: repoRoot })) !== 0) {
    throw new Error('pnpm build failed');
  }
  const apps = [SANDBOX, SERVER].filter((app) => existsSync(app.main));
  const serverRuns = apps.includes(SERVER);

  const mongo = await startMongo({ dataDir: persistentDataDir() });
  stoppers.push(mongo.stop);
  const redis = serverRuns ? await ensureRedis() : undefined;
  if (redis) stoppers.push(redis.stop);

  const env = await stackEnv(mongo, redis);
  for (const app of apps) await startApp(app, env);

  console.log('\nFen is running. Ctrl-C stops everything.');
  console.log(
    `  database     ${env.MONGODB_URI} (${mongo.source === 'external' ? 'MONGODB_URI' : `FerretDB, data in ${persistentDataDir()}`})`,
  );
  if (redis) console.log(`  redis        ${redis.url}`);
  if (apps.includes(SANDBOX)) {
    console.log(
      `  sandbox      http://${HOST}:${env.SANDBOX_PORT}/  (WeChat APIs, payer page; mutual TLS on ${env.SANDBOX_TLS_PORT})`,
    );
  }
  if (serverRuns) console.log(`  server       http://${HOST}:${env.PORT}/  (health: /healthz)`);
  const missing = [SANDBOX, SERVER].filter((app) => !apps.includes(app)).map((app) => app.name);
  if (missing.length) console.log(`  not built yet: ${missing.join(', ')}`);
  if (serverRuns && apps.includes(SANDBOX)) {
    console.log(`
To pay: open apps/miniprogram in WeChat DevTools (tourist appid) and buy something; the app's
sandbox cashier pays it. Or pay any pending order as the payer at http://${HOST}:${env.SANDBOX_PORT}/
(press "Pay"); the sandbox then notifies the server, which marks the order PAID.`);
  }
}

main().catch((error) => fail(error.message));
