/**
 * Serializes work on one order inside this process: a payment notification, its 19 duplicates,
 * a client sync and the job touching the same order run one after another. On MongoDB the
 * conditional updates would be enough; on FerretDB v1 (whose updates are read-then-write) this
 * is what prevents lost updates within a process. Across processes, claims decide.
 *
 * Not re-entrant: take it once, at the service entry point.
 */
export function createOrderLocks() {
  const tails = new Map<string, Promise<void>>();
  return async function withOrderLock<T>(outTradeNo: string, work: () => Promise<T>): Promise<T> {
    const previous = tails.get(outTradeNo) ?? Promise.resolve();
    let release = () => {};
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    tails.set(outTradeNo, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (tails.get(outTradeNo) === tail) tails.delete(outTradeNo);
    }
  };
}

export type WithOrderLock = ReturnType<typeof createOrderLocks>;
