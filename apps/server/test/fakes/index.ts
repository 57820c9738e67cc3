import type { Stores } from '../../src/stores/index.js';
import { createInMemoryAnomalyStore } from './in-memory-anomaly-store.js';
import { createInMemoryClaimStore } from './in-memory-claim-store.js';
import { createInMemoryOrderStore } from './in-memory-order-store.js';
import { createInMemoryPaymentEventStore } from './in-memory-payment-event-store.js';
import { createInMemoryProductStore } from './in-memory-product-store.js';
import { createInMemoryRefundStore } from './in-memory-refund-store.js';
import { createInMemoryUserStore } from './in-memory-user-store.js';

export { createInMemoryAnomalyStore } from './in-memory-anomaly-store.js';
export { createInMemoryClaimStore } from './in-memory-claim-store.js';
export { createInMemoryLease } from './in-memory-lease.js';
export { createInMemoryOrderStore } from './in-memory-order-store.js';
export { createInMemoryPaymentEventStore } from './in-memory-payment-event-store.js';
export { createInMemoryProductStore } from './in-memory-product-store.js';
export { createInMemoryRefundStore } from './in-memory-refund-store.js';
export { createInMemoryUserStore } from './in-memory-user-store.js';

/**
 * Every store in memory, empty, in the shape `createStores` gives the server: for unit tests of
 * the services' rules (payments, channel switches, refunds) that need no database. The contract
 * suite (`test/store-contract/`) runs the same cases against these and the real stores.
 */
export function createInMemoryStores(): Stores {
  return {
    users: createInMemoryUserStore(),
    products: createInMemoryProductStore(),
    orders: createInMemoryOrderStore(),
    refunds: createInMemoryRefundStore(),
    events: createInMemoryPaymentEventStore(),
    anomalies: createInMemoryAnomalyStore(),
    claims: createInMemoryClaimStore(),
  };
}
