/**
 * Every timer and in-flight request the sandbox starts, so `close()` can stop them all: a closed
 * sandbox never fires a notification or settles a refund later.
 */
export class Timers {
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #inFlight = new Set<AbortController>();
  #closed = false;

  get closed(): boolean {
    return this.#closed;
  }

  /** Runs `fn` after `ms` real milliseconds, unless the sandbox closes first. */
  after(ms: number, fn: () => void): void {
    if (this.#closed) return;
    const timer = setTimeout(
      () => {
        this.#timers.delete(timer);
        if (!this.#closed) fn();
      },
      Math.max(0, ms),
    );
    this.#timers.add(timer);
  }

  /** An AbortSignal that `close()` aborts; call `done()` when the work ends. */
  track(): { signal: AbortSignal; done: () => void } {
    const controller = new AbortController();
    if (this.#closed) controller.abort();
    else this.#inFlight.add(controller);
    return { signal: controller.signal, done: () => this.#inFlight.delete(controller) };
  }

  get pending(): number {
    return this.#timers.size + this.#inFlight.size;
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const controller of this.#inFlight) controller.abort();
    this.#inFlight.clear();
  }
}
