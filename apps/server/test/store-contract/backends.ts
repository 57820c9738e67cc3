import { afterAll, beforeAll, beforeEach, describe } from 'vitest';
import { createMongoLease } from '../../src/jobs/lease.js';
import type { Lease } from '../../src/jobs/lease.js';
import { connectDatabase } from '../../src/stores/database.js';
import type { Database } from '../../src/stores/database.js';
import { createStores } from '../../src/stores/index.js';
import type { Stores } from '../../src/stores/index.js';
import { createInMemoryLease, createInMemoryStores } from '../fakes/index.js';
import { dropDatabase, uniqueDatabaseUri } from '@fen/test-support';

/** One implementation of the stores under contract. */
export interface StoreBackend {
  name: string;
  /** Every store, empty. */
  fresh(): Promise<Stores>;
  /** A lease on a clock the test moves (the real ones share one collection). */
  lease(now: () => Date): Lease;
}

/**
 * The in-memory fakes and the real mongoose stores, for `describe.each`: the same cases run
 * against both, so a fake cannot drift from the store it stands in for. The real stores get a
 * database of their own for the test file (dropped afterwards), emptied before each test.
 */
export function storeBackends(): StoreBackend[] {
  const uri = uniqueDatabaseUri();
  let db: Database | undefined;
  const connected = (): Database => {
    if (!db) throw new Error('the contract database is not connected');
    return db;
  };
  beforeAll(async () => {
    db = await connectDatabase(uri);
  }, 20_000);
  afterAll(async () => {
    await db?.close();
    await dropDatabase(uri);
  }, 20_000);

  return [
    {
      name: 'in-memory',
      fresh: () => Promise.resolve(createInMemoryStores()),
      lease: createInMemoryLease,
    },
    {
      name: 'mongodb',
      async fresh() {
        const { connection } = connected();
        await Promise.all(
          Object.values(connection.collections).map((collection) => collection.deleteMany({})),
        );
        return createStores(connected());
      },
      lease: (now) => createMongoLease(connected().models.Lease, now),
    },
  ];
}

/**
 * Declares `cases` once per backend. `stores` is emptied and rebuilt before each case, so every
 * case starts from nothing, on either backend.
 */
export function describeStoreContract(
  title: string,
  cases: (stores: Stores, backend: StoreBackend) => void,
): void {
  describe.each(storeBackends())(`${title} contract ($name)`, (backend) => {
    const stores = {} as Stores;
    beforeEach(async () => {
      Object.assign(stores, await backend.fresh());
    });
    cases(stores, backend);
  });
}

/** A timeline entry at `at` (default now). */
export function timelineEntry(kind = 'TEST', at = new Date()) {
  return { at, kind, detail: `${kind} detail` };
}

/** `minutes` after a fixed instant, so the tests' times are exact and ordered. */
export function minutes(minutes: number): Date {
  return new Date(Date.UTC(2030, 0, 1) + minutes * 60_000);
}
