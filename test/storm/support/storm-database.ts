import { inject } from 'vitest';
import type {} from '../../support/provided-context.js';
import { startFerretDb } from '@fen/scripts/mongo.mjs';
import { tcpCheck } from '@fen/scripts/tcp.mjs';
import { dropDatabase, uniqueDatabaseUri } from '@fen/test-support';

const DEFAULT_POSTGRESQL_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface StormDatabase {
  /** The storm's own database (a fresh name), for the servers and for the checks. */
  uri: string;
  /** What it runs on, for the report. */
  description: string;
  /** Drops the database and stops anything started for it. */
  close(): Promise<void>;
}

/**
 * The database the storm runs on. A real MongoDB when the run has one (`MONGODB_URI`). Otherwise
 * FerretDB on PostgreSQL, started for the storm. The run's FerretDB on SQLite pushes only a
 * filter that is exactly `{_id: …}` down to SQLite (FerretDB v1.24.2,
 * internal/backends/sqlite/collection.go) and fetches and decodes the whole collection for
 * every other query, `{_id, status}` included: measured here with 20,000 ~1 KB documents,
 * `findOne({outTradeNo})` took 328 ms and `findOneAndUpdate({_id, status})` 75 ms, so the
 * storm's cost grows with the square of its size. The PostgreSQL handler pushes simple
 * equalities down (`_jsonb->'f' @> …`), which FerretDB's own btree indexes cannot serve
 * (`findOne({outTradeNo})` 10.9 ms at 5,000 orders, 22.5 ms at 10,000); Fen's build adds a GIN
 * index beside each (scripts/ferretdb/fen_containment_indexes.go) and `scripts/mongo.mjs`
 * asks for custom plans so PostgreSQL uses it: 1.3 ms at 20,000.
 */
export async function openStormDatabase(): Promise<StormDatabase> {
  if (inject('mongodbSource') === 'external') {
    const uri = uniqueDatabaseUri({ base: inject('mongodbUri'), label: 'storm' });
    return { uri, description: 'MongoDB (MONGODB_URI)', close: () => dropDatabase(uri) };
  }
  const pgUrl = new URL(process.env.FEN_POSTGRESQL_URL || DEFAULT_POSTGRESQL_URL);
  if (!(await tcpCheck(pgUrl.hostname, Number(pgUrl.port || 5432)))) {
    throw new Error(
      `the storm needs PostgreSQL for FerretDB (${pgUrl.host}, FEN_POSTGRESQL_URL) or a MongoDB ` +
        '(MONGODB_URI): on FerretDB/SQLite every non-_id query scans the collection, too slow ' +
        'for thousands of orders (see test/storm/support/storm-database.ts)',
    );
  }
  const ferret = await startFerretDb({ handler: 'postgresql', log: () => {} });
  const uri = uniqueDatabaseUri({ base: ferret.uri, label: 'storm' });
  return {
    uri,
    description: `FerretDB v1.24.2 on PostgreSQL (${pgUrl.host})`,
    async close() {
      try {
        await dropDatabase(uri);
      } finally {
        await ferret.stop();
      }
    },
  };
}
