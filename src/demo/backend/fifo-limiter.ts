/**
 * A first-in-first-out concurrency limiter: at most `capacity` holders at once; further
 * requests wait in arrival order. The capacity can change at run time: raising it admits
 * waiters at once, lowering it lets current holders finish (no pre-emption).
 */
export class FifoLimiter {
  #capacity: number;
  #active = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Holders currently admitted. */
  get active(): number {
    return this.#active;
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.#waiting.length;
  }

  setCapacity(capacity: number): void {
    this.#capacity = capacity;
    this.#drain();
  }

  /**
   * Asks for a slot. `admitted` resolves when the slot is held; the caller must then call
   * `release()` exactly once. `cancel()` withdraws a request that is still waiting (a
   * cancelled call must not take a slot later); after admission it does nothing.
   */
  acquire(): { admitted: Promise<void>; cancel: () => void } {
    if (this.#active < this.#capacity && this.#waiting.length === 0) {
      this.#active += 1;
      return { admitted: Promise.resolve(), cancel: () => undefined };
    }
    let admit: () => void = () => undefined;
    const admitted = new Promise<void>((resolve) => {
      admit = resolve;
    });
    const entry = (): void => admit();
    this.#waiting.push(entry);
    return {
      admitted,
      cancel: () => {
        const at = this.#waiting.indexOf(entry);
        if (at >= 0) this.#waiting.splice(at, 1);
      },
    };
  }

  release(): void {
    this.#active = Math.max(0, this.#active - 1);
    this.#drain();
  }

  /** Drops every waiter without admitting it (used on stop). */
  clear(): void {
    this.#waiting.length = 0;
  }

  #drain(): void {
    while (this.#active < this.#capacity && this.#waiting.length > 0) {
      const next = this.#waiting.shift();
      this.#active += 1;
      next?.();
    }
  }
}
