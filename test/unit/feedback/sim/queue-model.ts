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
  /** The latency quantile (QUANTILE) in ms over the step (of all calls, fail-fast ones included). */
  readonly tailMs: number;
  readonly errorRatio: number;
  /** Offered load over capacity (can exceed 1). */
  readonly utilisation: number;
  /** Calls in flight at the end of the step: the backlog plus the calls in service. */
  readonly inflight: number;
}

/** The longest time the queueing tail takes to settle at a new load (see `step`). */
const MAX_SETTLE_MS = 30_000;

/** The quantile the model's latency stands for: weir's default (src/signals/profiles.ts). */
export const QUANTILE = 0.9;

/**
 * How much of M/M/c's wait a queue of the loop benchmark has: its clients send at a fixed
 * rate (evenly spaced calls, not Poisson) to backends with a fixed service time, so
 * queues form far less than with random arrivals and services. Fitted to the
 * benchmark: its healthy backends (two slots, 100 ms) read a p90 of 140–160 ms at 60%
 * and at 80% of their capacity alike.
 */
export const DETERMINISTIC_FACTOR = 0.15;

/**
 * The QUANTILE of the wait in a c-server queue at utilisation `rho` < 1, in service
 * times: M/M/c's (Erlang C: P(wait > t) = C·e^(−c(1−rho)t/S)) times
 * DETERMINISTIC_FACTOR. On two servers: 0.28 at rho 0.6, 0.74 at 0.8, 1.6 at 0.9.
 */
export function queueingTail(c: number, rho: number): number {
  const a = c * rho;
  let erlangB = 1;
  for (let k = 1; k <= c; k++) erlangB = (a * erlangB) / (k + a * erlangB);
  const erlangC = erlangB / (1 - rho * (1 - erlangB));
  if (erlangC <= 1 - QUANTILE) return 0;
  return (DETERMINISTIC_FACTOR * Math.log(erlangC / (1 - QUANTILE))) / (c * (1 - rho));
}

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
    // The queueing part of the tail, in service times: where the queue settles at this
    // load (`queueingTail`), reached over the queue's relaxation time, about
    // S/(c(1−√rho)²): real queues fill over seconds (4.5 s at rho 0.8 and 100 ms calls on
    // two servers, 30 s (the cap) at 0.98), they do not jump to their stationary tail the
    // moment the load rises. Plus the time to drain the backlog beyond capacity.
    const stationary = queueingTail(c.capacity, r);
    const settleMs = Math.min(MAX_SETTLE_MS, c.serviceMs / (c.capacity * Math.pow(1 - Math.sqrt(r), 2)));
    const keep = Math.exp(-dtMs / settleMs);
    this.tail = stationary + (this.tail - stationary) * keep;
    const queued = c.serviceMs * (1 + this.tail);
    const drain = (this.backlog / muPerSec) * 1000;
    const successTail = queued + drain;
    // Fail-fast calls are fast: the tail of all calls is the successes' unless nearly all fail.
    const tailMs = c.failFastRatio >= 0.99 ? 1 : successTail;
    const errorRatio = Math.min(1, c.failFastRatio + (1 - c.failFastRatio) * c.errorRatio);
    const inService = Math.min(c.capacity, (served * c.serviceMs) / 1000);
    return { rate, completed, tailMs, errorRatio, utilisation: rho, inflight: this.backlog + inService };
  }
}
