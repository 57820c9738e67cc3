import { createHash } from 'node:crypto';
import type { RunningServer } from '@fen/server';
import type { Model } from 'mongoose';

type Models = RunningServer['runtime']['db']['models'];

/** Collections read in full while they are this small; beyond it, a count and the newest docs. */
const FULL_READ_LIMIT = 300;
const TAIL = 50;

/**
 * A digest of everything requests can write: every collection's document count and contents
 * (the newest documents once a collection grows large), and the full documents of the orders a
 * fuzzer can name. Two equal digests mean no request in between wrote anything the server keeps.
 * Collections are read in parallel so a digest costs about one database round trip.
 */
export async function stateDigest(models: Models, trackedOrderIds: string[] = []): Promise<string> {
  // Products are seeded at start and leases belong to the (disabled) job: no request writes them.
  const { Order, Product: _product, Lease: _lease, ...others } = models;
  const read = async (name: string, model: Model<unknown>) => {
    const count = await model.countDocuments();
    const docs =
      count <= FULL_READ_LIMIT
        ? await model.find().sort({ _id: 1 }).lean()
        : await model.find().sort({ _id: -1 }).limit(TAIL).lean();
    return [name, count, docs] as const;
  };
  const parts = await Promise.all([
    ...Object.entries(others).map(([name, model]) =>
      read(name, model as unknown as Model<unknown>),
    ),
    (async () => {
      const count = await Order.countDocuments();
      const tracked = await Order.find({ _id: { $in: trackedOrderIds } })
        .sort({ _id: 1 })
        .lean();
      const newest = await Order.find().sort({ _id: -1 }).limit(5).lean();
      return ['Order', count, [...tracked, ...newest]] as const;
    })(),
  ]);
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** Document counts per collection, for messages and for exact "one more anomaly" checks. */
export async function counts(models: Models): Promise<Record<string, number>> {
  const entries = await Promise.all(
    Object.entries(models).map(async ([name, model]) => [name, await model.countDocuments()]),
  );
  return Object.fromEntries(entries);
}
