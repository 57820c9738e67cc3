/** A time source; the server's `Clock` has the same shape. */
export interface Clock {
  now(): Date;
}

/**
 * The sandbox's idea of "now": a base clock plus an offset that `advance` moves forward, so tests
 * can expire login codes, tokens, prepay_ids and time_expire without waiting. It never goes back.
 */
export class SandboxClock {
  #offsetMs = 0;

  constructor(private readonly base: Clock = { now: () => new Date() }) {}

  nowMs(): number {
    return this.base.now().getTime() + this.#offsetMs;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  get offsetMs(): number {
    return this.#offsetMs;
  }

  /** Moves the clock forward by `seconds` (> 0). */
  advance(seconds: number): void {
    if (!(Number.isFinite(seconds) && seconds > 0)) {
      throw new RangeError('advanceSeconds must be a positive number');
    }
    this.#offsetMs += Math.round(seconds * 1000);
  }
}
