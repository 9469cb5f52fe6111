/**
 * A backend that stopped answering: its calls never complete, so its latency histogram
 * gets no observations and its latency reads as "no data", which holds its weight while
 * every call sent to it waits for its deadline. The calls it holds show it: by Little's
 * law the calls in flight over the calls answered per second is how long a call spends
 * there, the calls that have not finished included. When that is many latency targets
 * (STUCK_TARGETS) with at least STUCK_MIN_INFLIGHT calls waiting, it stands in for the
 * endpoint's latency (capped at STUCK_CAP_TARGETS targets; with no call answered at all,
 * the cap). A busy healthy backend never gets there: it answers its calls at the rate it
 * receives them, and holds a few (two-slot backends at 80% hold 2–5 at a time, answering
 * 15 a second: 0.3 s).
 */
import type { EndpointSample } from '../model/index.js';
import { usable } from './smoothing.js';
import { STUCK_CAP_TARGETS, STUCK_MIN_INFLIGHT, STUCK_TARGETS } from './tuning.js';

/**
 * The latency, in ms, that the calls `sample` holds in flight stand for when the endpoint
 * is stuck (see above); undefined when it is not, or when the sample lacks either signal.
 * Monotone: more calls in flight never give less, more calls answered never give more.
 */
export function stuckLatencyMs(sample: EndpointSample, latencyTargetMs: number): number | undefined {
  const inflight = sample.inflight;
  const answered = sample.requestRate;
  if (!usable(inflight) || !usable(answered) || inflight < STUCK_MIN_INFLIGHT) return undefined;
  const cap = STUCK_CAP_TARGETS * latencyTargetMs;
  const little = answered > 0 ? Math.min(cap, (1000 * inflight) / answered) : cap;
  return little >= STUCK_TARGETS * latencyTargetMs ? little : undefined;
}

/** `sample` with the latency its stuck calls stand for, when that is worse than its own. */
export function withStuckLatency(sample: EndpointSample, latencyTargetMs: number): EndpointSample {
  const stuck = stuckLatencyMs(sample, latencyTargetMs);
  if (stuck === undefined || (usable(sample.latencyMs) && sample.latencyMs >= stuck)) return sample;
  return { ...sample, latencyMs: stuck };
}
