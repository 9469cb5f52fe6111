/**
 * Counts events over a sliding window of `windowMs`, in `slots` equal buckets, and gives
 * their rate per second. Used for the ORCA report's qps and eps (weighted_round_robin
 * divides qps by utilisation to get a backend's weight).
 */
export class RateWindow {
  readonly #slotMs: number;
  readonly #counts: number[];
  readonly #stamps: number[];

  constructor(
    readonly windowMs = 2000,
    slots = 10,
  ) {
    this.#slotMs = windowMs / slots;
    this.#counts = new Array<number>(slots).fill(0);
    this.#stamps = new Array<number>(slots).fill(-1);
  }

  /** Records one event at time `nowMs` (a monotonic clock in milliseconds). */
  add(nowMs: number): void {
    const tick = Math.floor(nowMs / this.#slotMs);
    const at = tick % this.#counts.length;
    if (this.#stamps[at] !== tick) {
      this.#stamps[at] = tick;
      this.#counts[at] = 0;
    }
    this.#counts[at] = (this.#counts[at] ?? 0) + 1;
  }

  /** Events per second over the window ending at `nowMs`. */
  ratePerSecond(nowMs: number): number {
    const tick = Math.floor(nowMs / this.#slotMs);
    const oldest = tick - this.#counts.length + 1;
    let sum = 0;
    for (let i = 0; i < this.#counts.length; i += 1) {
      const stamp = this.#stamps[i] ?? -1;
      if (stamp >= oldest && stamp <= tick) sum += this.#counts[i] ?? 0;
    }
    return (sum * 1000) / this.windowMs;
  }
}
