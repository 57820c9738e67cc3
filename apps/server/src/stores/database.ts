import mongoose from 'mongoose';
import type { Connection } from 'mongoose';
import { anomalySchema } from './anomaly-model.js';
import { claimSchema } from './claim-model.js';
import { leaseSchema } from './lease-model.js';
import { orderSchema } from './order-model.js';
import { paymentEventSchema } from './payment-event-model.js';
import { productSchema } from './product-model.js';
import { reconciliationSchema } from './reconciliation-model.js';
import { refundSchema } from './refund-model.js';
import { userSchema } from './user-model.js';

function defineModels(connection: Connection) {
  return {
    User: connection.model('User', userSchema),
    Product: connection.model('Product', productSchema),
    Order: connection.model('Order', orderSchema),
    Refund: connection.model('Refund', refundSchema),
    PaymentEvent: connection.model('PaymentEvent', paymentEventSchema),
    Anomaly: connection.model('Anomaly', anomalySchema),
    Lease: connection.model('Lease', leaseSchema),
    Claim: connection.model('Claim', claimSchema),
    Reconciliation: connection.model('Reconciliation', reconciliationSchema),
  };
}

export type Models = ReturnType<typeof defineModels>;

export interface Database {
  connection: Connection;
  models: Models;
  /** True when the database answers a ping. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Connects (its own connection, so several server instances can live in one process) and creates
 * every index before traffic: the unique ones are what makes duplicates impossible.
 */
export async function connectDatabase(uri: string): Promise<Database> {
  const connection = mongoose.createConnection(uri, {
    autoIndex: false,
    autoCreate: true,
    serverSelectionTimeoutMS: 5_000,
    // Fail fast when the database is gone, so a notification is answered FAIL (and retried by
    // WeChat) instead of waiting on a buffered write.
    bufferCommands: false,
  });
  await connection.asPromise();
  const models = defineModels(connection);
  for (const model of Object.values(models)) {
    await model.createCollection().catch(() => undefined);
    await model.createIndexes();
  }
  return {
    connection,
    models,
    async ping() {
      try {
        const db = connection.db;
        if (!db) return false;
        await db.command({ ping: 1 }, { timeoutMS: 2_000 });
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await connection.close();
    },
  };
}
