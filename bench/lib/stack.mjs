// The local stack the HTTP cases run against: the database (FerretDB via scripts/mongo.mjs, or
// $MONGODB_URI), Redis, the sandbox, the Fen server and the notify ceiling — each server in its
// own process, everything on 127.0.0.1, everything stopped by cleanUp().
import { join } from 'node:path';
import { serverEnv } from '@fen/demo';
import mongoose from 'mongoose';
import { freePort } from '@fen/scripts/free-port.mjs';
import { startMongo } from '@fen/scripts/mongo.mjs';
import { SERVER_NODE_ARGS, repoRoot } from '@fen/scripts/paths.mjs';
import { tcpCheck } from '@fen/scripts/tcp.mjs';
import { ensureRedis } from '@fen/scripts/redis.mjs';
import { firstMessage, onCleanUp, startProcess, waitHealthy } from './processes.mjs';

const log = (line) => console.error(`[bench] ${line}`);

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
    // The demo merchant pointed at this stack, as a deployment runs: NODE_ENV=production.
    env: serverEnv({
      port,
      databaseUri,
      redisUrl: redis.url,
      sandbox,
      certsDir: join(repoRoot, 'apps/wx-sandbox/certs'),
      env: {
        ...childEnv,
        // The job would query the bench's pending orders in the middle of a measurement.
        RECONCILE_ENABLED: 'false',
        // The bench places orders as fast as it can from one address: not what limits are for.
        ORDER_ACTIONS_PER_MINUTE: '100000',
        ORDER_ACTIONS_PER_IP_PER_MINUTE: '1000000',
        LOGINS_PER_MINUTE: '100000',
        // What a deployment logs: one line per request (to a file here).
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'info',
      },
    }),
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
