export * from './money.js';
export * from './order.js';
export * from './api.js';
export * from './errors.js';
export * from './token-quota.js';
export * from './anomaly.js';
export * from './reconciliation.js';
