// Builds FerretDB once with Go (the binary is reused afterwards), with Fen's small patch.
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cacheDir } from '../paths.mjs';
import { outputOf, runOrThrow } from '../run.mjs';

const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
const FERRETDB_VERSION = 'v1.24.2';
/** Changes whenever the patch changes, so an older build is rebuilt. */
const BUILD_ID = `${FERRETDB_VERSION}+fen.3`;

/** Fen's files added to the source, by the package folder they join. */
const PATCH_FILES = [
  { file: 'fen_serialize_writes.go', into: 'internal/handler' },
  { file: 'fen_containment_indexes.go', into: 'internal/backends/postgresql/metadata' },
];

const LOCK_LINE = '\n\tdefer fenLockCollection(params.DB, params.Collection)()\n';

/** The lines the patch adds to FerretDB's own files, each after an anchor. */
const INSERTIONS = [
  // The per-collection lock, after the parameters of `update` and `findAndModify` are parsed.
  {
    file: 'internal/handler/msg_update.go',
    after:
      'params, err := common.GetUpdateParams(document, h.L)\n\tif err != nil {\n\t\treturn nil, lazyerrors.Error(err)\n\t}\n',
    add: LOCK_LINE,
  },
  {
    file: 'internal/handler/msg_findandmodify.go',
    after:
      'params, err := common.GetFindAndModifyParams(document, h.L)\n\tif err != nil {\n\t\treturn nil, err\n\t}\n',
    add: LOCK_LINE,
  },
  // The GIN indexes, once PostgreSQL has created an index's btree.
  {
    file: 'internal/backends/postgresql/metadata/registry.go',
    after:
      '\t\tif _, err = p.Exec(ctx, q); err != nil {\n\t\t\t_ = r.indexesDrop(ctx, p, dbName, collectionName, created)\n\t\t\treturn lazyerrors.Error(err)\n\t\t}\n',
    add: '\n\t\tif err = fenCreateContainmentIndexes(ctx, p, dbName, c.TableName, index); err != nil {\n\t\t\t_ = r.indexesDrop(ctx, p, dbName, collectionName, created)\n\t\t\treturn lazyerrors.Error(err)\n\t\t}\n',
  },
];

/**
 * The FerretDB binary to run: `$FERRETDB_BIN` if set, else Fen's build in the cache folder, built
 * now (a few minutes the first time) if it is missing or from an older patch.
 * @param {{log?: (line: string) => void}} [options]
 * @returns {Promise<string>} the binary's path
 */
export async function ensureFerretDb({ log = (line) => console.error(line) } = {}) {
  if (process.env.FERRETDB_BIN) {
    if (!existsSync(process.env.FERRETDB_BIN))
      throw new Error(`FERRETDB_BIN=${process.env.FERRETDB_BIN} does not exist`);
    return process.env.FERRETDB_BIN;
  }
  const binDir = join(cacheDir(), 'bin');
  const binary = join(binDir, 'ferretdb');
  const stamp = join(binDir, 'ferretdb.build-id');
  const isCurrent = () => existsSync(binary) && readText(stamp) === BUILD_ID;
  if (isCurrent()) return binary;

  const goVersion = outputOf('go', ['version']);
  if (!goVersion) {
    throw new Error(
      'No database: MONGODB_URI is not set and Go is not installed, so FerretDB cannot be built.\n' +
        '  Either set MONGODB_URI=mongodb://… (your MongoDB or Atlas),\n' +
        '  or install Go ≥ 1.24 (https://go.dev/dl/) and run this again: Fen builds FerretDB ' +
        `${FERRETDB_VERSION} once into ${binary}.`,
    );
  }
  mkdirSync(binDir, { recursive: true });
  const release = await acquireBuildLock(join(binDir, 'build.lock'), log);
  try {
    if (isCurrent()) return binary; // another process built it while we waited
    const started = Date.now();
    log(
      `[fen] FerretDB ${FERRETDB_VERSION} is not built yet: building it once with ${goVersion}\n` +
        `[fen]   into ${binary} (downloads Go modules and compiles: about 2–5 minutes the first time, reused afterwards)`,
    );
    await build(binDir, binary, log);
    writeFileSync(stamp, BUILD_ID);
    log(`[fen] FerretDB built in ${Math.round((Date.now() - started) / 1000)} s`);
    return binary;
  } finally {
    release();
  }
}

/** Downloads the module source, adds version.txt and the patch, compiles to `binary`. */
async function build(binDir, binary, log) {
  const workDir = join(binDir, `build-${process.pid}`);
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  // `go install …@version` cannot be used: it asks the proxy for the version list (refused on
  // some networks) and the module zip lacks build/version/version.txt, so the binary panics.
  const goEnv = {
    ...process.env,
    GOFLAGS: '-mod=mod',
    GOTOOLCHAIN: process.env.GOTOOLCHAIN || 'auto',
  };
  try {
    log(`[fen]   go mod download ${FERRETDB_MODULE}@${FERRETDB_VERSION}`);
    const info = outputOf(
      'go',
      ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`],
      {
        cwd: workDir,
        env: goEnv,
        timeout: 10 * 60_000,
      },
    );
    const moduleDir = info ? JSON.parse(info).Dir : undefined;
    if (!moduleDir || !existsSync(moduleDir))
      throw new Error(
        `go mod download ${FERRETDB_MODULE}@${FERRETDB_VERSION} failed (is the Go proxy reachable?)`,
      );
    const sourceDir = join(workDir, 'src');
    cpSync(moduleDir, sourceDir, { recursive: true });
    makeWritable(sourceDir);
    writeFileSync(join(sourceDir, 'build/version/version.txt'), `${FERRETDB_VERSION}\n`);
    applyPatch(sourceDir);
    log('[fen]   go build ./cmd/ferretdb (compiling; this is the slow part)');
    await runOrThrow(
      'go',
      ['build', '-buildvcs=false', '-trimpath', '-o', `${binary}.tmp`, './cmd/ferretdb'],
      {
        cwd: sourceDir,
        env: { ...goEnv, CGO_ENABLED: '0' },
      },
    );
    renameSync(`${binary}.tmp`, binary);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * Adds Fen's per-collection lock for read-modify-write commands (fen_serialize_writes.go) and the
 * GIN indexes that let PostgreSQL serve FerretDB's equality filters (fen_containment_indexes.go).
 */
function applyPatch(sourceDir) {
  for (const { file, into } of PATCH_FILES)
    cpSync(join(import.meta.dirname, file), join(sourceDir, into, file));
  for (const { file, after, add } of INSERTIONS) {
    const path = join(sourceDir, file);
    const source = readFileSync(path, 'utf8');
    if (source.split(after).length !== 2)
      throw new Error(`FerretDB patch: anchor not found once in ${file}`);
    writeFileSync(path, source.replace(after, after + add));
  }
}

/** Module cache files are read-only; the copy must be writable to patch and delete it. */
function makeWritable(dir) {
  for (const entry of [
    dir,
    ...readdirSync(dir, { recursive: true }).map((name) => join(dir, name)),
  ])
    chmodSync(entry, statSync(entry).mode | 0o200);
}

function readText(path) {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * One build at a time across processes (`npm start` and `npm test` at once): a lock directory,
 * taken over when older than 20 minutes (a build that died).
 */
async function acquireBuildLock(lockDir, log) {
  for (let waited = 0; ; waited += 1) {
    try {
      mkdirSync(lockDir);
      return () => rmSync(lockDir, { recursive: true, force: true });
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      const age = Date.now() - statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs;
      if (age > 20 * 60_000) rmSync(lockDir, { recursive: true, force: true });
      if (waited === 0) log('[fen] another process is building FerretDB; waiting for it');
      await sleep(1000);
    }
  }
}
