// The local stack the HTTP cases run against: the database (FerretDB via scripts/mongo.mjs, or
// $MONGODB_URI), Redis, the sandbox, the Fen server and the notify ceiling — each server in its
// own process, everything on 127.0.0.1, everything stopped by cleanUp().
import { join } from 'node:path';
import mongoose from 'mongoose';
import { freePort } from '../../scripts/free-port.mjs';
import { startMongo } from '../../scripts/mongo.mjs';
import { SERVER_NODE_ARGS, repoRoot } from '../../scripts/paths.mjs';
import { tcpCheck } from '../../scripts/tcp.mjs';
import { ensureRedis } from '../../scripts/redis.mjs';
import { MERCHANT } from './fixtures.mjs';
import { firstMessage, onCleanUp, startProcess, waitHealthy } from './processes.mjs';

const CERTS = join(repoRoot, 'apps/wx-sandbox/certs');
const log = (line) => console.error(`[bench] ${line}`);

/** The server's environment: the demo merchant (as in .env.example) pointed at this stack. */
function serverEnv({ port, databaseUri, redisUrl, sandbox }) {
  return {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    MONGODB_URI: databaseUri,
    REDIS_URL: redisUrl,
    WX_APPID: MERCHANT.appId,
    WX_APPSECRET: MERCHANT.appSecret,
    WXPAY_MCHID: MERCHANT.mchId,
    WXPAY_KEY: MERCHANT.key,
    WXPAY_SIGN_TYPE: 'MD5',
    WXPAY_NOTIFY_URL: `http://127.0.0.1:${port}/wxpay/notify`,
    WXPAY_REFUND_NOTIFY_URL: `http://127.0.0.1:${port}/wxpay/refund-notify`,
    WXPAY_CERT_P12_PATH: join(CERTS, 'apiclient_cert.p12'),
    WXPAY_CA_CERT_PATH: join(CERTS, 'ca.pem'),
    WX_API_BASE: sandbox.url,
    WXPAY_API_BASE: sandbox.url,
    WXPAY_SECAPI_BASE: sandbox.tlsUrl,
    SESSION_SECRET: 'fen-bench-session-secret-0123456789abcdef',
    ADMIN_TOKEN: 'fen-bench-admin-token-0123456789',
    // The job would query the bench's pending orders in the middle of a measurement.
    RECONCILE_ENABLED: 'false',
    // What a deployment logs: one line per request (to a file here).
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'info',
  };
}

/** `uri` with the database `name` (keeps credentials and options of an external URI). */
function withDatabase(uri, name) {
  const url = new URL(uri);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Starts everything; returns `{databaseUri, db (a mongoose connection), sandbox: {url, tlsUrl},
 * server: {url, pid, proc}, ceiling: {url}}`.
 */
/**
 * FerretDB's storage for the bench: `$FEN_FERRETDB_HANDLER`, else PostgreSQL when one answers on
 * 127.0.0.1:5432, else SQLite. FerretDB 1.24's SQLite handler scans a whole collection for any
 * filter but `_id` (measured: 15 lookups/s at 3 000 orders), so its figures say more about
 * the scan than about Fen; the PostgreSQL handler uses the indexes.
 */
async function chooseHandler() {
  if (process.env.FEN_FERRETDB_HANDLER) return process.env.FEN_FERRETDB_HANDLER;
  return (await tcpCheck('127.0.0.1', 5432)) ? 'postgresql' : 'sqlite';
}

export async function startStack({ logDir, runId, cpuProf = false }) {
  const handler = process.env.MONGODB_URI ? undefined : await chooseHandler();
  const mongo = await startMongo({ log, ...(handler ? { handler } : {}) });
  onCleanUp(() => mongo.stop());
  const databaseUri = withDatabase(mongo.uri, `fen_bench_${runId}`);
  const database =
    mongo.source === 'external' ? 'MongoDB (MONGODB_URI)' : `FerretDB 1.24.2 (${handler})`;
  log(`database: ${database} ${databaseUri}`);
  const redis = await ensureRedis({ log });
  onCleanUp(() => redis.stop());

  const db = await mongoose.createConnection(databaseUri, { bufferCommands: false }).asPromise();
  onCleanUp(async () => {
    // Leave nothing behind in a shared MongoDB or PostgreSQL.
    await db.dropDatabase().catch(() => undefined);
    await db.close();
  });

  const node = process.execPath;
  const childEnv = { PATH: process.env.PATH ?? '', NODE_ENV: 'production' };
  const sandboxProc = startProcess(
    'sandbox',
    node,
    [join(import.meta.dirname, '../children/sandbox.mjs')],
    {
      env: childEnv,
      logDir,
      ipc: true,
    },
  );
  onCleanUp(() => sandboxProc.stop());
  const sandbox = await firstMessage(sandboxProc);

  const port = await freePort();
  // --cpu-prof: the server writes a .cpuprofile into the log folder when it stops.
  const profile = cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${logDir}`] : [];
  // The flags `npm start` runs the server with, or others to experiment (the results record them).
  const nodeArgs =
    process.env.BENCH_SERVER_NODE_ARGS === undefined
      ? SERVER_NODE_ARGS
      : process.env.BENCH_SERVER_NODE_ARGS.split(' ').filter(Boolean);
  const serverMain = join(repoRoot, 'apps/server/dist/main.js');
  const serverProc = startProcess('server', node, [...nodeArgs, ...profile, serverMain], {
    cwd: repoRoot,
    env: serverEnv({ port, databaseUri, redisUrl: redis.url, sandbox }),
    logDir,
  });
  onCleanUp(() => serverProc.stop());
  const serverUrl = `http://127.0.0.1:${port}`;
  await waitHealthy(serverProc, `${serverUrl}/healthz`);

  const ceilingProc = startProcess(
    'notify-ceiling',
    node,
    [join(import.meta.dirname, '../children/notify-ceiling.mjs')],
    { env: { ...childEnv, MONGODB_URI: databaseUri }, logDir, ipc: true },
  );
  onCleanUp(() => ceilingProc.stop());
  const ceiling = await firstMessage(ceilingProc);

  return {
    databaseUri,
    database,
    scanBound: handler === 'sqlite',
    db,
    sandbox,
    server: { url: serverUrl, pid: serverProc.child.pid, proc: serverProc, nodeArgs },
    ceiling,
  };
}
