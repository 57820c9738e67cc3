import type { Database } from './database.js';
import { createAnomalyStore } from './anomaly-store.js';
import { createClaimStore } from './claim-store.js';
import { createOrderStore } from './order-store.js';
import { createPaymentEventStore } from './payment-event-store.js';
import { createProductStore } from './product-store.js';
import { createRefundStore } from './refund-store.js';
import { createUserStore } from './user-store.js';

/** Every store, built over one database connection. */
export function createStores(db: Database) {
  return {
    users: createUserStore(db.models.User),
    products: createProductStore(db.models.Product),
    orders: createOrderStore(db.models.Order),
    refunds: createRefundStore(db.models.Refund),
    events: createPaymentEventStore(db.models.PaymentEvent),
    anomalies: createAnomalyStore(db.models.Anomaly),
    claims: createClaimStore(db.models.Claim),
  };
}

export type Stores = ReturnType<typeof createStores>;
