/**
 * A deterministic fluid model of backends with a service time and a capacity (requests
 * served at once): beyond capacity, a backlog builds and latency grows with it, as in
 * real servers. Good enough to show reaction, recovery, stability and overload; not a
 * discrete-event simulation.
 */

/** A backend's condition during a step. */
export interface BackendCondition {
  /** Mean service time in ms. */
  readonly serviceMs: number;
  /** Requests served at once. */
  readonly capacity: number;
  /** Share of calls that fail after normal service (UNAVAILABLE). */
  readonly errorRatio: number;
  /** Share of calls that fail within 1 ms (they use no capacity). */
  readonly failFastRatio: number;
}

export interface BackendStep {
  /** Requests per second offered. */
  readonly rate: number;
  /** Requests per second answered (what a server's histogram counts): at most its capacity while a backlog lasts. */
  readonly completed: number;
  /** p99 latency in ms over the step (of all calls, fail-fast ones included). */
  readonly p99Ms: number;
  readonly errorRatio: number;
  /** Offered load over capacity (can exceed 1). */
  readonly utilisation: number;
}

/** The longest time the queueing tail takes to settle at a new load (see `step`). */
const MAX_SETTLE_MS = 30_000;

/** One backend's mutable queue. */
export class Backend {
  private backlog = 0;
  /** The queueing tail in service times, settling toward the stationary one of the load. */
  private tail = 0;

  /** Advance `dtMs` at `rate` requests per second under `c`. */
  step(c: BackendCondition, rate: number, dtMs: number): BackendStep {
    const served = rate * (1 - c.failFastRatio);
    const muPerSec = (c.capacity / c.serviceMs) * 1000;
    const rho = served / muPerSec;
    const before = this.backlog;
    this.backlog = Math.max(0, this.backlog + (served - muPerSec) * (dtMs / 1000));
    // Fail-fast calls are answered at once; the others as the queue lets them out.
    const completed = rate + ((before - this.backlog) * 1000) / dtMs;
    const r = Math.min(rho, 0.98);
    // Tail of a c-server queue: about 2 service times unloaded, growing as rho^c/(1−rho),
    // plus the time to drain the backlog. The stationary tail is where the queue settles,
    // not where it is the moment the load rises: a queue near saturation takes about
    // S/(c(1−√rho)²) to fill (the relaxation time of a c-server queue), 0.9 s at rho 0.8
    // and 10 ms calls on one server, 100 s at 0.98. Without the settling, a backend that
    // edged over 0.98 read 150 service times at once, where real ones read 2–3× their
    // peers for seconds (the loop benchmark's heterogeneous backends past their share).
    const stationary = (3 * Math.pow(r, c.capacity)) / (1 - r);
    const settleMs = Math.min(MAX_SETTLE_MS, c.serviceMs / (c.capacity * Math.pow(1 - Math.sqrt(r), 2)));
    this.tail = stationary <= this.tail ? stationary + (this.tail - stationary) * Math.exp(-dtMs / settleMs) : stationary - (stationary - this.tail) * Math.exp(-dtMs / settleMs);
    const queued = c.serviceMs * (2 + this.tail);
    const drain = (this.backlog / muPerSec) * 1000;
    const successP99 = queued + drain;
    // Fail-fast calls are fast: the p99 of all calls is the successes' unless nearly all fail.
    const p99Ms = c.failFastRatio >= 0.99 ? 1 : successP99;
    const errorRatio = Math.min(1, c.failFastRatio + (1 - c.failFastRatio) * c.errorRatio);
    return { rate, completed, p99Ms, errorRatio, utilisation: rho };
  }
}
