/**
 * A hold-off timer that turns a burst of triggers into one flush (XDS.md "Speed":
 * istio debounces 100 ms, at most 10 s). Each trigger restarts the hold-off window;
 * the flush happens when the window passes quietly, or at the latest `maxDelayMs`
 * after the first trigger of the burst, so a steady stream of updates cannot starve it.
 */
export interface CoalescerOptions {
  /** Quiet time after the last trigger before flushing, in ms. 0 flushes on the next tick. */
  readonly holdOffMs: number;
  /** Longest time a trigger waits for its flush, in ms (≥ holdOffMs). */
  readonly maxDelayMs: number;
  /** Called once per burst. Must not throw (the caller guards it). */
  readonly flush: () => void;
}

export class Coalescer {
  private readonly options: CoalescerOptions;
  private timer: NodeJS.Timeout | undefined;
  /** When the first trigger of the pending burst arrived (performance.now ms). */
  private burstStart: number | undefined;
  private closed = false;

  constructor(options: CoalescerOptions) {
    this.options = { ...options, maxDelayMs: Math.max(options.maxDelayMs, options.holdOffMs) };
  }

  /** Ask for a flush; the burst it belongs to is flushed once. */
  trigger(): void {
    if (this.closed) return;
    const now = performance.now();
    this.burstStart ??= now;
    const deadline = this.burstStart + this.options.maxDelayMs;
    const wait = Math.max(0, Math.min(this.options.holdOffMs, deadline - now));
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fire(), wait);
  }

  /** Flush now if a burst is pending (used on shutdown and by tests that need no timer). */
  flushPending(): void {
    if (this.timer) this.fire();
  }

  /** Whether a flush is scheduled. */
  pending(): boolean {
    return this.timer !== undefined;
  }

  /** Drop any pending flush; later triggers are ignored. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private fire(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.burstStart = undefined;
    this.options.flush();
  }
}
