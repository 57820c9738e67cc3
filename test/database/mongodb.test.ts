import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startFerretDb } from '@fen/scripts/mongo.mjs';
import { dropDatabase, uniqueDatabaseUri } from '@fen/test-support';
import type {} from '../support/provided-context.js';

// What Fen's server relies on from its database, proved against the real one the global setup
// gives (FerretDB here, or $MONGODB_URI). The last block pins FerretDB's known limits, so an
// upgrade that changes them shows up here. Findings: scripts/ferretdb/README.md.

const orderSchema = new mongoose.Schema({
  outTradeNo: { type: String, required: true, unique: true },
  state: { type: String, required: true },
  paidBy: Number,
  notifications: { type: Number, default: 0 },
});

const uri = uniqueDatabaseUri({ base: inject('mongodbUri'), label: 'mongodb' });
/** Several connections, as several server processes would have. */
const connections: Connection[] = [];

/** The Order model on `connection` (mongoose returns the same model for the same schema). */
function orders(connection: Connection) {
  return connection.model('Order', orderSchema);
}

function errorCode(error: unknown): unknown {
  return (error as { code?: unknown }).code;
}

beforeAll(async () => {
  for (let i = 0; i < 5; i += 1) {
    connections.push(
      await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 10_000 }).asPromise(),
    );
  }
  await orders(connections[0]!).init(); // builds the unique index before any test writes
});

afterAll(async () => {
  await Promise.all(connections.map((connection) => connection.close()));
  await dropDatabase(uri);
});

describe('MongoDB-protocol database through mongoose', () => {
  it('when a second order repeats a unique out_trade_no, then it is refused with E11000 and the first stays', async () => {
    const Order = orders(connections[0]!);
    await Order.create({ outTradeNo: 'FEN-UNIQUE-1', state: 'PENDING' });

    const duplicate = Order.create({ outTradeNo: 'FEN-UNIQUE-1', state: 'PAID' });

    await expect(duplicate).rejects.toMatchObject({ code: 11000 });
    const kept = await Order.find({ outTradeNo: 'FEN-UNIQUE-1' }).lean();
    expect(kept.map((order) => order.state)).toEqual(['PENDING']);
  });

  it('when 50 attempts race one conditional findOneAndUpdate, then exactly one applies', async () => {
    const { _id } = await orders(connections[0]!).create({
      outTradeNo: 'FEN-RACE-1',
      state: 'PENDING',
    });

    const results = await Promise.all(
      Array.from({ length: 50 }, (_, attempt) =>
        orders(connections[attempt % connections.length]!)
          .findOneAndUpdate(
            { _id, state: 'PENDING' },
            { $set: { state: 'PAID', paidBy: attempt } },
            { returnDocument: 'after' },
          )
          .lean(),
      ),
    );

    const winners = results.filter((result) => result !== null);
    expect(winners).toHaveLength(1);
    const stored = await orders(connections[0]!).findById(_id).lean();
    expect(stored).toMatchObject({ state: 'PAID', paidBy: winners[0]!.paidBy });
  });

  it('when 50 updates $inc one document under a filter at once, then every increment counts', async () => {
    const { _id } = await orders(connections[0]!).create({
      outTradeNo: 'FEN-INC-1',
      state: 'PAID',
    });

    const results = await Promise.all(
      Array.from({ length: 50 }, (_, attempt) =>
        orders(connections[attempt % connections.length]!).updateOne(
          { _id, state: 'PAID' },
          { $inc: { notifications: 1 } },
        ),
      ),
    );

    expect(results.every((result) => result.modifiedCount === 1)).toBe(true);
    const stored = await orders(connections[0]!).findById(_id).lean();
    expect(stored?.notifications).toBe(50);
  });

  it('when 50 attempts insert the same claim _id at once, then one succeeds and 49 get E11000', async () => {
    const claims = connections.map((connection) =>
      connection.collection<{ _id: string; by: number }>('claims'),
    );

    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, attempt) =>
        claims[attempt % claims.length]!.insertOne({ _id: 'order-1:paid', by: attempt }),
      ),
    );

    const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    expect(refused.map((outcome) => errorCode(outcome.reason))).toEqual(Array(49).fill(11000));
  });

  it('when the client disconnects and connects again, then the data is still there', async () => {
    const writer = await mongoose.createConnection(uri).asPromise();
    await orders(writer).create({ outTradeNo: 'FEN-DURABLE-1', state: 'PAID', paidBy: 7 });
    await writer.close();

    const reader = await mongoose.createConnection(uri).asPromise();
    try {
      const found = await orders(reader).findOne({ outTradeNo: 'FEN-DURABLE-1' }).lean();
      expect(found).toMatchObject({ state: 'PAID', paidBy: 7 });
    } finally {
      await reader.close();
    }
  });
});

describe.runIf(inject('mongodbSource') === 'ferretdb')(
  'FerretDB v1.24.2 (what the server must know)',
  () => {
    it(
      'when FerretDB is stopped and started again on its data folder, then the data is still there',
      { timeout: 60_000 },
      async () => {
        const dataDir = mkdtempSync(join(tmpdir(), 'fen-ferretdb-restart-'));
        try {
          const first = await startFerretDb({ dataDir });
          const firstUri = uniqueDatabaseUri({ base: first.uri, label: 'restart' });
          const writer = await mongoose.createConnection(firstUri).asPromise();
          await orders(writer).create({ outTradeNo: 'FEN-RESTART-1', state: 'REFUNDED' });
          await writer.close();
          await first.stop();

          const second = await startFerretDb({ dataDir });
          try {
            const reader = await mongoose
              .createConnection(`${second.uri}${new URL(firstUri).pathname}`)
              .asPromise();
            const found = await orders(reader).findOne({ outTradeNo: 'FEN-RESTART-1' }).lean();
            await reader.close();
            expect(found?.state).toBe('REFUNDED');
          } finally {
            await second.stop();
          }
        } finally {
          rmSync(dataDir, { recursive: true, force: true });
        }
      },
    );

    it('when an index has partialFilterExpression, then it is refused as NotImplemented', async () => {
      const create = connections[0]!
        .collection('partial')
        .createIndex(
          { outTradeNo: 1 },
          { unique: true, partialFilterExpression: { outTradeNo: { $exists: true } } },
        );
      await expect(create).rejects.toMatchObject({ code: 238, codeName: 'NotImplemented' });
    });

    it('when an index has expireAfterSeconds (TTL), then it is refused as NotImplemented', async () => {
      const create = connections[0]!
        .collection('ttl')
        .createIndex({ createdAt: 1 }, { expireAfterSeconds: 60 });
      await expect(create).rejects.toMatchObject({ code: 238, codeName: 'NotImplemented' });
    });

    it('when a write runs in a transaction, then it is refused', async () => {
      const session = await connections[0]!.startSession();
      try {
        session.startTransaction();
        const write = connections[0]!.collection('tx').insertOne({ at: 1 }, { session });
        await expect(write).rejects.toThrow(/autocommit/);
      } finally {
        await session.endSession();
      }
    });

    it('when two documents both lack a uniquely indexed field, then both are stored (MongoDB refuses the second)', async () => {
      const collection = connections[0]!.collection('missing');
      await collection.createIndex({ code: 1 }, { unique: true });

      await collection.insertOne({ note: 'first' });
      await collection.insertOne({ note: 'second' });

      expect(await collection.countDocuments()).toBe(2);
    });

    it('when an update uses arrayFilters, then it is refused as NotImplemented', async () => {
      const collection = connections[0]!.collection<{ _id: number; items: { state: string }[] }>(
        'arrays',
      );
      await collection.insertOne({ _id: 1, items: [{ state: 'A' }] });
      const update = collection.updateOne(
        { _id: 1 },
        { $set: { 'items.$[i].state': 'B' } },
        { arrayFilters: [{ 'i.state': 'A' }] },
      );
      await expect(update).rejects.toMatchObject({ code: 238 });
    });
  },
);
