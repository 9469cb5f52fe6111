/**
 * What an endpoint's calls in flight say that its latency histogram cannot yet, or ever:
 * a histogram observes a call when it completes, and over a window of seconds.
 *
 * - **Stuck.** A backend that stopped answering completes no call: its histogram gets no
 *   observation, its latency reads as "no data", and that holds its weight while every
 *   call sent to it waits for its deadline. By Little's law, calls in flight over calls
 *   answered per second is how long a call spends there, unfinished calls included.
 *   When that is STUCK_TARGETS latency targets or more, with at least
 *   STUCK_MIN_INFLIGHT calls waiting, it stands in for the endpoint's latency.
 * - **A backlog building.** A backend that turned slow queues calls at once, but its
 *   histogram shows it only once enough slow calls have completed to move the window's
 *   quantile: on the loop benchmark a backend turned 5× slower held 9 calls a second
 *   after the change, against 0–3 for every healthy backend, while its p90 still read
 *   171 ms; the p90 showed it a second later. When an endpoint holds more calls than the
 *   service's baseline latency explains (BACKLOG_FACTOR × answered per second ×
 *   baseline, plus BACKLOG_MIN), Little's law's time stands in for its latency, a tick
 *   earlier than the histogram.
 *
 * Both are capped at STUCK_CAP_TARGETS latency targets (the cap itself when nothing was
 * answered at all). A busy healthy backend gets to neither: it answers calls at the rate
 * it receives them and holds a few at a time.
 *
 * Nothing answered in the window counts as stuck only from the second sample that shows
 * it (`firstUnanswered`): the first calls after a pause are in flight before any has
 * completed, and a scrape can catch them so. On the loop benchmark a backend holding its
 * first 3 calls after the quiet window between contenders was read as stuck and cut to
 * 3% for 12 s; a second scrape a second later saw them answered. A backend that stops
 * answering while it has traffic is caught before its window empties, with the calls it
 * answered earlier in the window (30 held at 1 answered a second: 30 s).
 */
import type { EndpointSample } from '../model/index.js';
import { usable } from './smoothing.js';
import { BACKLOG_FACTOR, BACKLOG_MIN, DEEP_BACKLOG_TARGETS, DRAIN_UNTIL_TARGETS, QUEUE_GONE_MIN_RATE, QUEUE_GONE_STALE_FACTOR, QUEUE_GONE_WAIT_BASELINES, STUCK_CAP_TARGETS, STUCK_MIN_INFLIGHT, STUCK_TARGETS } from './tuning.js';

/**
 * Whether `sample` shows the endpoint holding STUCK_MIN_INFLIGHT calls or more with none
 * answered in the window.
 */
export function holdsUnanswered(sample: EndpointSample): boolean {
  return usable(sample.inflight) && sample.inflight >= STUCK_MIN_INFLIGHT && sample.requestRate === 0;
}

/**
 * The latency, in ms, that the calls `sample` holds stand for when the endpoint is stuck
 * or a backlog is building (see above); undefined when neither, or when the sample lacks
 * calls in flight or calls answered, or when nothing was answered and this is the first
 * sample to show it (`firstUnanswered`). `baselineMs` is the service's baseline (0: none
 * yet, no backlog rule). Monotone: more calls in flight never give less, more calls
 * answered never give more (a first sample with nothing answered aside).
 */
export function inflightLatencyMs(sample: EndpointSample, latencyTargetMs: number, baselineMs: number, firstUnanswered = false): number | undefined {
  const inflight = sample.inflight;
  const answered = sample.requestRate;
  if (!usable(inflight) || !usable(answered)) return undefined;
  if (answered === 0 && firstUnanswered) return undefined;
  const little = Math.min(STUCK_CAP_TARGETS * latencyTargetMs, waitMs(inflight, answered));
  const stuck = inflight >= STUCK_MIN_INFLIGHT && little >= STUCK_TARGETS * latencyTargetMs;
  const backlog = baselineMs > 0 && answered > 0 && inflight >= (BACKLOG_FACTOR * answered * baselineMs) / 1000 + BACKLOG_MIN;
  return stuck || backlog ? little : undefined;
}

/** `sample` with the latency its calls in flight stand for, when that is worse than its own. */
export function withInflightLatency(sample: EndpointSample, latencyTargetMs: number, baselineMs: number, firstUnanswered = false): EndpointSample {
  const held = inflightLatencyMs(sample, latencyTargetMs, baselineMs, firstUnanswered);
  if (held === undefined || (usable(sample.latencyMs) && sample.latencyMs >= held)) return sample;
  return { ...sample, latencyMs: held };
}

/**
 * Whether `inflight` calls at `answered` a second mean a wait of DEEP_BACKLOG_TARGETS
 * latency targets or more for a call sent now (Little's law; nothing answered: yes): a
 * queue that takes seconds to drain, not a backend a little over its capacity for a
 * moment. A cut endpoint with such a queue gets no more than the floor's trickle during
 * its cut's hold (control.ts `deepen`).
 */
export function deepBacklog(inflight: number, answered: number, latencyTargetMs: number): boolean {
  return waitMs(inflight, answered) >= DEEP_BACKLOG_TARGETS * latencyTargetMs;
}

/**
 * Whether a panic drains an endpoint this tick (tuning.ts PANIC_DRAIN): its calls in
 * flight mean a deep backlog (`deepBacklog`), or it was drained on the tick before and
 * they still mean a wait of DRAIN_UNTIL_TARGETS latency targets or more. Without the
 * second rule an endpoint whose queue fell just under the deep mark went back to its
 * full split, queued again and was drained again, tick after tick.
 *
 * Either needs BACKLOG_MIN calls in flight: fewer are no queue to drain, whatever
 * Little's law says over them. A slow endpoint cut to a trickle (2.5 calls a second)
 * holding the 3 calls its latency explains read 1.2 s, and in panic was limited to
 * what it answered at its cut for as long as the panic lasted.
 */
export function drainsNow(inflight: number, answered: number, latencyTargetMs: number, wasDrained: boolean): boolean {
  if (!(inflight >= BACKLOG_MIN)) return false;
  return wasDrained ? waitMs(inflight, answered) >= DRAIN_UNTIL_TARGETS * latencyTargetMs : deepBacklog(inflight, answered, latencyTargetMs);
}

/**
 * Whether an endpoint's latency (`latencyMs`, smoothed: what its cost is made of) shows a
 * queue that is gone: `sample`'s calls in flight say a call spends at most
 * QUEUE_GONE_WAIT_BASELINES × `baselineMs` there (Little's law over its calls answered a
 * second), and the latency reads at least QUEUE_GONE_STALE_FACTOR times that (and as many
 * baselines). A backend twice as slow has calls in flight that take twice as long, which
 * its window reads too. Needs at least QUEUE_GONE_MIN_RATE answered a second (fewer, and
 * a scrape that catches none in flight says little). False without the signals.
 */
export function queueGone(sample: EndpointSample | undefined, latencyMs: number | undefined, baselineMs: number): boolean {
  if (sample === undefined || !usable(sample.inflight) || !usable(sample.requestRate) || latencyMs === undefined || !(baselineMs > 0)) return false;
  if (!(sample.requestRate >= QUEUE_GONE_MIN_RATE)) return false;
  const wait = waitMs(sample.inflight, sample.requestRate);
  return wait <= QUEUE_GONE_WAIT_BASELINES * baselineMs && latencyMs >= QUEUE_GONE_STALE_FACTOR * Math.max(wait, baselineMs);
}

/** Little's law: how long, in ms, a call spends among `inflight` calls answered at `answered` a second (Infinity when none are). */
function waitMs(inflight: number, answered: number): number {
  return answered > 0 ? (1000 * inflight) / answered : Infinity;
}
