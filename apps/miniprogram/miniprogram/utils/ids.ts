/**
 * A fresh Idempotency-Key for one purchase intent: repeating a request with it (double tap,
 * retry after a lost answer) gets the same order from the server. Not a secret, only unique
 * enough: time plus randomness.
 */
export function newIdempotencyKey(): string {
  const random = () => Math.floor(Math.random() * 0x100000000).toString(36);
  return `mp-${Date.now().toString(36)}-${random()}${random()}`;
}
