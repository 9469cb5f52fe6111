import { describe, expect, it } from 'vitest';
import { deepBacklog, drainsNow, inflightLatencyMs, queueGone, withInflightLatency } from '../../../src/feedback/inflight.js';
import { BACKLOG_MIN, DEEP_BACKLOG_TARGETS, DRAIN_UNTIL_TARGETS, STUCK_CAP_TARGETS, STUCK_TARGETS } from '../../../src/feedback/tuning.js';
import { addresses, Driver, endpoint, samples, service, sid, topology, uniform } from './fixtures.js';

const TARGET = 250;
/** Without a baseline: only the stuck rule. */
const held = (sample: Parameters<typeof inflightLatencyMs>[0], target: number) => inflightLatencyMs(sample, target, 0);

describe('calls in flight', () => {
  it('tells a latency window that still reads a queue that is gone from one that reads the endpoint as it is', () => {
    const BASELINE = 137;
    // The loop benchmark's small backend 9 s into its cold start (s21b-base2): nothing in
    // flight, 7 answered a second, while its latency still read 1758 ms.
    expect(queueGone({ inflight: 0, requestRate: 7 }, 1758, BASELINE)).toBe(true);
    // The middle backend at the same second: 72 calls at 39 a second (1.8 s): a queue.
    expect(queueGone({ inflight: 72, requestRate: 39 }, 1692, BASELINE)).toBe(false);
    // A backend twice as slow: 8 calls at 30 a second (267 ms), reading 300 ms.
    expect(queueGone({ inflight: 8, requestRate: 30 }, 300, BASELINE)).toBe(false);
    // A backend five times as slow at its floor: 1 call at 2 a second (500 ms), reading 700.
    expect(queueGone({ inflight: 1, requestRate: 2 }, 700, BASELINE)).toBe(false);
    // A latency under three baselines is no queue's memory, whatever is in flight.
    expect(queueGone({ inflight: 0, requestRate: 7 }, 400, BASELINE)).toBe(false);
    // Too few calls answered, or a signal missing: calls in flight say nothing.
    expect(queueGone({ inflight: 0, requestRate: 1 }, 1758, BASELINE)).toBe(false);
    expect(queueGone({ requestRate: 7 }, 1758, BASELINE)).toBe(false);
    expect(queueGone({ inflight: 0, requestRate: 7 }, undefined, BASELINE)).toBe(false);
    expect(queueGone(undefined, 1758, BASELINE)).toBe(false);
  });

  it('calls a backlog deep when a call sent now would wait several latency targets', () => {
    // The benchmark's slow backend a tick after its cut: 23 calls at 6.3 a second (3.7 s).
    expect(deepBacklog(23, 6.3, TARGET)).toBe(true);
    // The heterogeneous middle backend 20% over its capacity: 15 calls at 35 a second (0.4 s).
    expect(deepBacklog(15, 35, TARGET)).toBe(false);
    // Nothing answered: as deep as it gets.
    expect(deepBacklog(3, 0, TARGET)).toBe(true);
    // The line is DEEP_BACKLOG_TARGETS targets' wait, and more calls never make it shallower.
    expect(deepBacklog(DEEP_BACKLOG_TARGETS * TARGET * 10 / 1000, 10, TARGET)).toBe(true);
    expect(deepBacklog(DEEP_BACKLOG_TARGETS * TARGET * 10 / 1000 - 0.5, 10, TARGET)).toBe(false);
  });
  it('reads as many latency targets as its calls in flight stand for, by Little\'s law', () => {
    // Nothing answered at all: the cap.
    expect(held({ inflight: 12, requestRate: 0 }, TARGET)).toBe(STUCK_CAP_TARGETS * TARGET);
    // 12 calls held, 1.5 answered a second: 8 s a call.
    expect(held({ inflight: 12, requestRate: 1.5 }, TARGET)).toBeCloseTo(8000);
  });

  it('leaves busy healthy backends, and the floor\'s trickle, alone', () => {
    // Two-slot backends at 80%: a handful in flight, 15 answered a second.
    expect(held({ inflight: 5, requestRate: 15 }, TARGET)).toBeUndefined();
    // At the floor: two calls caught in flight at 0.3 a second is chance, not a hang.
    expect(held({ inflight: 2, requestRate: 0.3 }, TARGET)).toBeUndefined();
    // Just under the mark: 4.9 s a call.
    expect(held({ inflight: 49, requestRate: 10 }, TARGET)).toBeUndefined();
    expect(held({ inflight: 50, requestRate: 10 }, TARGET)).toBe(STUCK_TARGETS * TARGET);
  });

  it('needs both signals, and never lowers a latency', () => {
    expect(held({ inflight: 12 }, TARGET)).toBeUndefined();
    expect(held({ requestRate: 0 }, TARGET)).toBeUndefined();
    expect(held({ inflight: Number.NaN, requestRate: 0 }, TARGET)).toBeUndefined();
    const slower = { latencyMs: 60_000, inflight: 12, requestRate: 0 };
    expect(withInflightLatency(slower, TARGET, 0)).toBe(slower);
    expect(withInflightLatency({ latencyMs: Number.NaN, inflight: 12, requestRate: 0 }, TARGET, 0).latencyMs).toBe(STUCK_CAP_TARGETS * TARGET);
  });

  it('reads a backlog building a tick before the histogram does', () => {
    // The loop benchmark's slow-backend run (s7c): a 150 ms baseline, 12 calls a second.
    // Healthy backends held 0–3 calls; the backend turned 5× slower held 9 a second after
    // the change (answering 10 a second), while its p90 still read 171 ms.
    for (const n of [0, 1, 2, 3, 7]) expect(inflightLatencyMs({ inflight: n, requestRate: 12 }, TARGET, 150)).toBeUndefined();
    expect(inflightLatencyMs({ inflight: 9, requestRate: 10 }, TARGET, 150)).toBeCloseTo(900);
    expect(withInflightLatency({ latencyMs: 171, inflight: 9, requestRate: 10 }, TARGET, 150).latencyMs).toBeCloseTo(900);
    // Without a baseline yet (the service's first ticks), only a stuck endpoint counts.
    expect(inflightLatencyMs({ inflight: 9, requestRate: 10 }, TARGET, 0)).toBeUndefined();
  });

  it('is monotone: more calls held never read faster, more answered never read slower', () => {
    let last = 0;
    for (let n = 0; n <= 200; n += 1) {
      const v = inflightLatencyMs({ inflight: n, requestRate: 5 }, TARGET, 150) ?? 0;
      expect(v).toBeGreaterThanOrEqual(last);
      last = v;
    }
    last = Infinity;
    for (let r = 0; r <= 50; r += 0.5) {
      const v = inflightLatencyMs({ inflight: 40, requestRate: r }, TARGET, 150) ?? 0;
      expect(v).toBeLessThanOrEqual(last);
      last = v;
    }
  });

  it('is cut to the floor by the engine, though its histogram says nothing', () => {
    const addrs = addresses(5);
    const healthy = { latencyMs: 30, errorRatio: 0, requestRate: 100, inflight: 3 };
    const d = new Driver(topology(service('api', addrs.map((a) => endpoint(a)), { latencyTargetMs: TARGET })));
    for (let t = 1; t <= 8; t++) {
      const s = uniform(addrs, healthy);
      // From 3 s on, 10.0.0.3 answers nothing: no latency, no error ratio, calls piling up.
      if (t >= 3) s['10.0.0.3'] = { latencyMs: Number.NaN, errorRatio: Number.NaN, requestRate: 0, inflight: 10 * (t - 2) };
      d.tick(t * 1000, samples(t * 1000, { api: s }));
    }
    expect(d.weight('api', '10.0.0.3')).toBeLessThanOrEqual(5);
    expect(d.endpointState('api', '10.0.0.3')).toBe('degraded');
    const cut = d.last!.services.get(sid('api'))!.endpoints.find((e) => e.address === '10.0.0.3')!;
    expect(cut.reason).toMatch(/^latency [\d.]+m?s \(\d+ calls in flight, none answered\) is [\d.]+× the reference 30ms/);
  });
});

describe('nothing answered yet', () => {
  it('is stuck from the second sample that shows it, not the first', () => {
    const first = { latencyMs: Number.NaN, errorRatio: Number.NaN, requestRate: 0, inflight: 3 };
    expect(inflightLatencyMs(first, TARGET, 0, true)).toBeUndefined();
    expect(inflightLatencyMs(first, TARGET, 0, false)).toBe(STUCK_CAP_TARGETS * TARGET);
    // Something answered: the first sample is no exception.
    expect(inflightLatencyMs({ ...first, requestRate: 0.1, inflight: 30 }, TARGET, 0, true)).toBeGreaterThanOrEqual(STUCK_TARGETS * TARGET);
  });

  it('leaves the first calls after a pause alone, and still cuts an endpoint that keeps answering nothing', () => {
    const addrs = addresses(5);
    const healthy = { latencyMs: 30, errorRatio: 0, requestRate: 100, inflight: 3 };
    const idle = { latencyMs: Number.NaN, errorRatio: Number.NaN, requestRate: 0, inflight: 0 };
    const d = new Driver(topology(service('api', addrs.map((a) => endpoint(a)), { latencyTargetMs: TARGET })));
    let t = 0;
    const tick = (s: Parameters<typeof samples>[1]['api']) => {
      t += 1000;
      d.tick(t, samples(t, { api: s }));
    };
    for (let k = 0; k < 4; k++) tick(uniform(addrs, healthy));
    for (let k = 0; k < 4; k++) tick(uniform(addrs, idle));
    // Calls again: a scrape catches 10.0.0.3's first three in flight, before any completes.
    tick({ ...uniform(addrs, healthy), '10.0.0.3': { ...idle, inflight: 3 } });
    tick(uniform(addrs, healthy));
    tick(uniform(addrs, healthy));
    expect(d.weight('api', '10.0.0.3')).toBe(100);
    // It stops answering: the second sample that shows it cuts it.
    tick({ ...uniform(addrs, healthy), '10.0.0.3': { ...idle, inflight: 3 } });
    expect(d.weight('api', '10.0.0.3')).toBe(100);
    tick({ ...uniform(addrs, healthy), '10.0.0.3': { ...idle, inflight: 5 } });
    expect(d.weight('api', '10.0.0.3')).toBeLessThan(50);
  });
});

describe('draining a backlog in panic', () => {
  it('drains from a deep backlog, and keeps draining until the wait is under a latency target', () => {
    // 30 calls at 20 a second (1.5 s): deep. 10 at 20 (0.5 s): not deep, but a drained
    // endpoint stays drained until its wait is under DRAIN_UNTIL_TARGETS targets.
    expect(drainsNow(30, 20, TARGET, false)).toBe(true);
    expect(drainsNow(10, 20, TARGET, false)).toBe(false);
    expect(drainsNow(10, 20, TARGET, true)).toBe(true);
    expect(drainsNow((DRAIN_UNTIL_TARGETS * TARGET * 20) / 1000 - 1, 20, TARGET, true)).toBe(false);
    // Nothing in flight: nothing to drain, whatever was answered.
    expect(drainsNow(0, 0, TARGET, true)).toBe(false);
  });

  it('finds no queue in fewer than BACKLOG_MIN calls, however few are answered', () => {
    // 3 calls at 2.5 a second read 1.2 s by Little's law: a slow endpoint's few calls.
    expect(drainsNow(BACKLOG_MIN - 1, 2.5, TARGET, false)).toBe(false);
    expect(drainsNow(BACKLOG_MIN - 1, 0.5, TARGET, true)).toBe(false);
    expect(drainsNow(BACKLOG_MIN, 2.5, TARGET, false)).toBe(true);
  });
});

describe('a deep backlog during a cut\'s hold', () => {
  function run(inflightAfterCut: number): number {
    const addrs = addresses(5);
    // Peers near the latency target: a queue of seconds is only a few times their latency.
    const healthy = { latencyMs: 200, errorRatio: 0, requestRate: 40, inflight: 8 };
    const d = new Driver(topology(service('api', addrs.map((a) => endpoint(a)), { latencyTargetMs: TARGET })));
    for (let t = 1; t <= 7; t++) {
      const s = uniform(addrs, healthy);
      // From 5 s on, 10.0.0.3 queues: its histogram still reads 200 ms, its calls in flight do not.
      if (t === 5) s['10.0.0.3'] = { ...healthy, inflight: 30 };
      if (t >= 6) s['10.0.0.3'] = { ...healthy, requestRate: 20, inflight: inflightAfterCut };
      d.tick(t * 1000, samples(t * 1000, { api: s }));
    }
    return d.weight('api', '10.0.0.3');
  }
  it('takes the cut to two cuts\' limit when a call sent there would wait seconds, and not for a short queue', () => {
    // 30 calls at 20 a second: a 1.5 s wait (6 targets), 7.5× the peers, which alone asks
    // for a fifth of the share. 14 calls: 0.7 s, a backend over its capacity for a moment.
    expect(run(30)).toBeLessThanOrEqual(2);
    expect(run(14)).toBeGreaterThan(5);
  });
});
