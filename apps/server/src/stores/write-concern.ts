/**
 * Money-moving writes wait until they are durable (majority, journaled) before the server answers
 * — a notification is acknowledged only after this returns. On a single node "majority" is that
 * node; FerretDB accepts the option.
 */
export const DURABLE = { w: 'majority', j: true } as const;
