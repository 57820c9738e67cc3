import type { Stores } from '../../src/stores/index.js';
import type { NewOrder, OrderRecord } from '../../src/stores/order-store.js';
import { buildOrder } from '../helpers/build-order.js';

/** Inserts a `buildOrder(overrides)` order; throws when the store refuses it. */
export async function insertOrder(
  stores: Stores,
  overrides: Partial<NewOrder> = {},
): Promise<OrderRecord> {
  const order = await stores.orders.insert(buildOrder(overrides));
  if (!order) throw new Error('insert refused');
  return order;
}

/** The order as stored now; throws when it is gone. */
export async function readOrder(stores: Stores, order: OrderRecord): Promise<OrderRecord> {
  const stored = await stores.orders.findById(order._id.toHexString());
  if (!stored) throw new Error('order vanished');
  return stored;
}
