import { createHash } from 'node:crypto';
import type { RunningServer } from '@fen/server';
import type { Model, Types } from 'mongoose';

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

/** The orders and users present at a point in a run, to prune back to with `pruneTo`. */
export interface Kept {
  orderIds: Types.ObjectId[];
  userIds: Types.ObjectId[];
}

export async function keptNow(models: Models): Promise<Kept> {
  const ids = (docs: Array<{ _id: Types.ObjectId }>) => docs.map((doc) => doc._id);
  return {
    orderIds: ids(await models.Order.find({}, { _id: 1 }).lean()),
    userIds: ids(await models.User.find({}, { _id: 1 }).lean()),
  };
}

/**
 * Deletes the orders (with their exit claims) and users that requests created since `kept`. A
 * long run's accepted requests keep adding them, and on FerretDB the digest and the listing
 * routes read in proportion to what is stored: unpruned, the full HTTP run fell to ~2 cases/s.
 * Returns how many documents went.
 */
export async function pruneTo(models: Models, kept: Kept): Promise<number> {
  const { Order, User, Claim } = models;
  const added = await Order.find({ _id: { $nin: kept.orderIds } }, { _id: 1 }).lean();
  // The server's key for an order's exit claim (`exitKey` in services/payment-state.ts).
  const exitKeys = added.map((order) => `order-exit:${order._id.toHexString()}`);
  const results = await Promise.all([
    Order.deleteMany({ _id: { $in: added.map((order) => order._id) } }),
    Claim.deleteMany({ _id: { $in: exitKeys } }),
    User.deleteMany({ _id: { $nin: kept.userIds } }),
  ]);
  return results.reduce((sum, result) => sum + result.deletedCount, 0);
}
