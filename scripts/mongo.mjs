// A MongoDB URI for development and tests: $MONGODB_URI, else a FerretDB started here.
//
//   node scripts/mongo.mjs [--handler=sqlite|postgresql] [--data-dir=DIR]
//
// starts FerretDB (building it first if needed), prints the URI and stops it on Ctrl-C.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnOwned, waitUntil } from './children.mjs';
import { runIfMain, stopOnSignal } from './cli.mjs';
import { ensureFerretDb } from './ferretdb/build.mjs';
import { freePort } from './free-port.mjs';
import { mongoHello } from './mongo-wire.mjs';
import { cacheDir } from './paths.mjs';

const HOST = '127.0.0.1';
const HANDLERS = ['sqlite', 'postgresql'];
const DEFAULT_POSTGRESQL_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * @typedef {object} MongoHandle
 * @property {string} uri `mongodb://host:port` without a database name
 * @property {'external' | 'ferretdb'} source
 * @property {() => Promise<void>} stop stops what was started (nothing for an external URI)
 */

/**
 * A MongoDB-protocol server: `$MONGODB_URI` when set, else FerretDB v1.24.2 on a free port.
 * @param {FerretOptions} [options]
 * @returns {Promise<MongoHandle>}
 */
export async function startMongo(options = {}) {
  if (process.env.MONGODB_URI) {
    return { uri: process.env.MONGODB_URI, source: 'external', stop: async () => {} };
  }
  return startFerretDb(options);
}

/**
 * @typedef {object} FerretOptions
 * @property {string} [dataDir] where FerretDB keeps its data (SQLite files, state); default a
 *   temporary folder that stop() deletes
 * @property {'sqlite' | 'postgresql'} [handler] default `$FEN_FERRETDB_HANDLER`, else sqlite;
 *   postgresql uses `$FEN_POSTGRESQL_URL` (default postgres://postgres@127.0.0.1:5432/postgres)
 * @property {(line: string) => void} [log]
 */

/**
 * FerretDB (built first if needed) on a free 127.0.0.1 port, answering `hello` when this resolves.
 * @param {FerretOptions} [options]
 * @returns {Promise<MongoHandle>}
 */
export async function startFerretDb({
  dataDir,
  handler,
  log = (line) => console.error(line),
} = {}) {
  const chosen = chooseHandler(handler);
  const binary = await ensureFerretDb({ log });
  const ownDataDir = !dataDir;
  const dir = dataDir ? resolve(dataDir) : mkdtempSync(join(tmpdir(), 'fen-ferretdb-'));
  mkdirSync(dir, { recursive: true });

  // A port found free can be taken before FerretDB binds it: try again on another.
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort(HOST);
    const ferret = spawnOwned(binary, ferretArgs(chosen, dir, port));
    try {
      await waitUntil(() => mongoHello(HOST, port), {
        what: `FerretDB (${chosen}) on ${HOST}:${port}`,
        timeoutMs: 30_000,
        failed: () => (ferret.exited() ? `it exited:\n${ferret.output()}` : undefined),
      });
    } catch (error) {
      await ferret.stop();
      if (attempt < 3 && ferret.output().includes('address already in use')) continue;
      if (ownDataDir) rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return {
      uri: `mongodb://${HOST}:${port}`,
      source: 'ferretdb',
      stop: async () => {
        await ferret.stop();
        if (ownDataDir) rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}

/** The given handler, else `$FEN_FERRETDB_HANDLER`, else sqlite; an unknown one is an error. */
function chooseHandler(handler) {
  const chosen = handler ?? (process.env.FEN_FERRETDB_HANDLER || 'sqlite');
  if (!HANDLERS.includes(chosen))
    throw new Error(`FerretDB handler must be one of ${HANDLERS.join(', ')}, not "${chosen}"`);
  return chosen;
}

/**
 * The data folder that `npm start` and this script's CLI keep between runs:
 * `<cache>/data/ferretdb-<handler>`.
 * @param {'sqlite' | 'postgresql'} [handler]
 */
export function persistentDataDir(handler) {
  return join(cacheDir(), 'data', `ferretdb-${chooseHandler(handler)}`);
}

/**
 * FerretDB's command line for `handler`, keeping its data and state in `dir`, on 127.0.0.1:`port`.
 * @param {'sqlite' | 'postgresql'} handler
 * @param {string} dir
 * @param {number} port
 * @returns {string[]}
 */
export function ferretArgs(handler, dir, port) {
  const backend =
    handler === 'postgresql'
      ? [
          `--postgresql-url=${withCustomPlans(process.env.FEN_POSTGRESQL_URL || DEFAULT_POSTGRESQL_URL)}`,
        ]
      : [`--sqlite-url=file:${dir}/`];
  return [
    `--handler=${handler}`,
    ...backend,
    `--listen-addr=${HOST}:${port}`,
    `--state-dir=${dir}`, // default "." would write state.json into the working directory
    '--debug-addr=-', // default 127.0.0.1:8088 would clash between instances
    '--telemetry=disable',
    '--log-level=warn',
  ];
}

/**
 * FerretDB's statements name fields through parameters (`_jsonb->$1 @> $2`), so a cached generic
 * plan cannot use the GIN indexes Fen adds (fen_containment_indexes.go); a custom plan can.
 * @param {string} url
 */
function withCustomPlans(url) {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('plan_cache_mode'))
    parsed.searchParams.set('plan_cache_mode', 'force_custom_plan');
  return parsed.toString();
}

async function main() {
  const { values } = parseArgs({
    options: { handler: { type: 'string' }, 'data-dir': { type: 'string' } },
  });
  const handler = /** @type {'sqlite' | 'postgresql' | undefined} */ (values.handler);
  const dataDir = values['data-dir'] ?? persistentDataDir(handler);
  const mongo = await startMongo({ handler, dataDir });
  if (mongo.source === 'external') {
    console.log(`MONGODB_URI is set: ${mongo.uri} (nothing to start)`);
    return;
  }
  console.log(`FerretDB is running (data in ${dataDir}). Ctrl-C stops it.`);
  console.log(`MONGODB_URI=${mongo.uri}`);
  stopOnSignal(mongo.stop);
}

runIfMain(import.meta.url, main);
