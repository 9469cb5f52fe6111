/**
 * The BENCHMARK.md scenarios in simulation, at the loop benchmark's calibration: five
 * backends (HEALTHY: service time 100 ms, capacity 2 at once, 20 calls/s each), 60% load
 * (60 calls/s) unless said otherwise, a Prometheus with a 5 s window one scrape late, the
 * engine ticking every second. The time scale matters: weir's ticks, windows and holds
 * are in seconds, and a backlog of a given age reads more service times the shorter the
 * service time (at 10 ms, the calibration before, an overload of 13% for 2 s read 26×).
 */
import { describe, expect, it } from 'vitest';
import { clientP99, firstSecond, HEALTHY, simulate, weightChanges, type Trace } from './simulate.js';
import { TAIL_EXPONENT } from '../../../../src/feedback/tuning.js';

/** A healthy backend's calls per second at full capacity. */
const PER_BACKEND = perSecond([HEALTHY.capacity]);
/** The loop benchmark's heterogeneous backends (relative capacities 1, 1, 2, 4, 4), calls served at once. */
const HETERO = [1, 1, 2, 4, 4].map((c) => c * HEALTHY.capacity);
/** Calls a second that healthy backends serving `capacity` calls at once each answer together. */
function perSecond(capacity: readonly number[]): number {
  return capacity.reduce((a, c) => a + (c / HEALTHY.serviceMs) * 1000, 0);
}
const RATE = 0.6 * 5 * PER_BACKEND;
const SLOW = { ...HEALTHY, serviceMs: 5 * HEALTHY.serviceMs };
const FAULT = 30;
const HEAL = 90;
const faulty = (i: number, t: number) => i === 2 && t >= FAULT && t < HEAL;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Largest spread (max − min) of each backend's share over 5 s windows in [from, to). */
function shareSpread(trace: Trace, from: number, to: number): number {
  let worst = 0;
  for (let start = from; start + 5 <= to; start += 5) {
    for (let i = 0; i < trace.shares[0]!.length; i++) {
      const window = trace.shares.slice(start, start + 5).map((s) => s[i]!);
      worst = Math.max(worst, Math.max(...window) - Math.min(...window));
    }
  }
  return worst;
}

describe('scenario: slow backend (×5 for 60 s, then healed)', () => {
  const trace = simulate({ seconds: 130, rate: RATE, condition: (i, t) => (faulty(i, t) ? SLOW : HEALTHY) });

  it('takes its share under half its fair share within 5 s', () => {
    const t = firstSecond(trace, FAULT, (s) => trace.shares[s]![2]! < 0.1);
    expect(t).toBeDefined();
    expect(t! - FAULT).toBeLessThanOrEqual(5);
  });

  it('keeps it there while slow, with the healthy four under capacity', () => {
    for (let t = FAULT + 10; t < HEAL; t++) {
      expect(trace.shares[t]![2]).toBeLessThan(0.02);
      for (const i of [0, 1, 3, 4]) expect(trace.steps[t]![i]!.utilisation).toBeLessThan(1);
    }
  });

  it('gives it back its fair share within 30 s of healing', () => {
    const t = firstSecond(trace, HEAL, (s) => trace.shares[s]![2]! >= 0.16);
    expect(t).toBeDefined();
    expect(t! - HEAL).toBeLessThanOrEqual(30);
  });
});

describe('scenario: error backend (30% UNAVAILABLE for 60 s, then healed)', () => {
  const trace = simulate({ seconds: 130, rate: RATE, condition: (i, t) => (faulty(i, t) ? { ...HEALTHY, errorRatio: 0.3 } : HEALTHY) });

  it('ejects it within 5 s and keeps it ejected while failing', () => {
    const t = firstSecond(trace, FAULT, (s) => trace.states[s]![2] === 'ejected');
    expect(t! - FAULT).toBeLessThanOrEqual(5);
    for (let s = t!; s < HEAL; s++) expect(trace.states[s]![2]).toBe('ejected');
  });

  it('brings it back through slow start after it heals', () => {
    const back = firstSecond(trace, HEAL, (s) => trace.states[s]![2] === 'slow-start');
    expect(back).toBeDefined();
    const fair = firstSecond(trace, back!, (s) => trace.shares[s]![2]! >= 0.16);
    expect(fair! - HEAL).toBeLessThanOrEqual(30);
  });

  it('cuts the clients\' error rate to under a quarter of round robin\'s', () => {
    let errors = 0;
    let calls = 0;
    for (let t = FAULT; t < HEAL; t++) {
      trace.steps[t]!.forEach((st) => {
        errors += st.rate * st.errorRatio;
        calls += st.rate;
      });
    }
    const roundRobin = 0.2 * 0.3;
    expect(errors / calls).toBeLessThan(roundRobin / 4);
  });
});

describe('scenario: fail-fast backend (50% of calls fail within 1 ms)', () => {
  const trace = simulate({ seconds: 100, rate: RATE, condition: (i, t) => (faulty(i, t) ? { ...HEALTHY, failFastRatio: 0.5 } : HEALTHY) });

  it('never attracts traffic: under half its fair share within 5 s, ejected', () => {
    const t = firstSecond(trace, FAULT, (s) => trace.shares[s]![2]! < 0.1);
    expect(t! - FAULT).toBeLessThanOrEqual(5);
    for (let s = FAULT + 5; s < HEAL; s++) expect(trace.shares[s]![2]).toBeLessThan(0.05);
  });
});

describe('scenario: flapping backend (×5 slow and healthy every 10 s for 120 s)', () => {
  const flapping = (i: number, t: number) => i === 2 && t >= FAULT && t < FAULT + 120 && Math.floor((t - FAULT) / 10) % 2 === 0;
  const trace = simulate({ seconds: 160, rate: RATE, condition: (i, t) => (flapping(i, t) ? SLOW : HEALTHY) });

  it('changes its weight a bounded number of times per minute', () => {
    expect(weightChanges(trace, 2, FAULT, FAULT + 60)).toBeLessThanOrEqual(20);
    expect(weightChanges(trace, 2, FAULT + 60, FAULT + 120)).toBeLessThanOrEqual(20);
    for (const i of [0, 1, 3, 4]) expect(weightChanges(trace, i, FAULT, FAULT + 120)).toBe(0);
  });

  it('keeps the clients\' p99 near the healthy backends\' once it has learnt', () => {
    const p99s = [];
    for (let t = FAULT + 10; t < FAULT + 120; t++) p99s.push(clientP99(trace, t));
    expect(median(p99s)).toBeLessThan(10 * HEALTHY.serviceMs);
  });
});

describe('scenario: heterogeneous capacities (1, 1, 2, 4, 4 at 70% load, steady)', () => {
  const capacity = HETERO;
  const total = perSecond(capacity);
  const trace = simulate({ seconds: 150, rate: 0.7 * total, condition: (i) => ({ ...HEALTHY, capacity: capacity[i]! }) });

  it('settles without panic and without oscillation once warmed up', () => {
    for (let t = 30; t < 150; t++) expect(trace.panic[t]).toBe(false);
    expect(shareSpread(trace, 60, 150)).toBeLessThan(0.08);
  });

  it('keeps the clients\' p99 close to the unloaded tail', () => {
    const p99s = [];
    for (let t = 60; t < 150; t++) p99s.push(clientP99(trace, t));
    expect(median(p99s)).toBeLessThan(3 * 2 * HEALTHY.serviceMs);
  });

  it('has settled by the end of a 30 s warm-up: no second round of queues after the restores', () => {
    // Restores that went back fast to half of the starting level overloaded the small
    // backends again (p99 of seconds from 30 s to 60 s up to 1.4 s).
    const p99s = [];
    for (let t = 30; t < 150; t++) p99s.push(clientP99(trace, t));
    expect(Math.max(...p99s)).toBeLessThan(3 * 2 * HEALTHY.serviceMs);
  });
});

describe('scenario: heterogeneous capacities at 80% load, calls in flight reported (beyond BENCHMARK.md)', () => {
  // At 80% the cold start's cuts push the large backends past their capacity and the
  // service panics; the panic's queue split finds each backend's capacity. The controller
  // used to restart from equal weights when the panic ended, sending the small backends
  // twice their capacity again: a panic every 20 s, the queues growing (p99 over 9 s).
  const capacity = HETERO;
  const total = perSecond(capacity);
  const trace = simulate({ seconds: 200, rate: 0.8 * total, inflight: true, condition: (i) => ({ ...HEALTHY, capacity: capacity[i]! }) });

  it('leaves the panic where its split left the weights, and does not panic again', () => {
    const end = firstSecond(trace, 0, (t) => t > 0 && trace.panic[t - 1]! && !trace.panic[t]!);
    expect(end).toBeDefined();
    expect(end!).toBeLessThan(60);
    for (let t = end!; t < 200; t++) expect(trace.panic[t]).toBe(false);
    // The small backends stay near their capacity share (a quarter of a large one's).
    const last = trace.weights[199]!;
    expect(last[0]! / last[4]!).toBeLessThan(0.4);
    expect(last[2]! / last[4]!).toBeLessThan(0.75);
  });

  it('keeps the clients\' p99 near the unloaded tail once the panic is over', () => {
    const p99s = [];
    for (let t = 80; t < 200; t++) p99s.push(clientP99(trace, t));
    expect(Math.max(...p99s)).toBeLessThan(2 * HEALTHY.serviceMs);
    expect(shareSpread(trace, 80, 200)).toBeLessThan(0.08);
  });
});

describe('scenario: a new leader takes over (heterogeneous capacities at 70% load; a slow backend)', () => {
  // A replica that takes over has none of the last leader's memory. From a clean state
  // its first tick served every endpoint its fair share: the small backends, cut to their
  // capacity share, were sent their fair share again until the signals cut them back.
  // Seeded with the weights being served (feedback/takeover.ts), it continues from them.
  const capacity = HETERO;
  const total = perSecond(capacity);
  const condition = (i: number) => ({ ...HEALTHY, capacity: capacity[i]! });
  const TAKEOVER = 90;
  const seeded = simulate({ seconds: 150, rate: 0.7 * total, condition, takeover: { at: TAKEOVER, seeded: true } });
  const clean = simulate({ seconds: 150, rate: 0.7 * total, condition, takeover: { at: TAKEOVER, seeded: false } });
  const worstAfter = (trace: Trace) => {
    const p99s = [];
    for (let t = TAKEOVER; t < 150; t++) p99s.push(clientP99(trace, t));
    return Math.max(...p99s);
  };

  it('serves the weights in place through the takeover: no second cold start', () => {
    expect(seeded.weights[TAKEOVER + 2]).toEqual(seeded.weights[TAKEOVER - 1]);
    expect(worstAfter(seeded)).toBeLessThan(3 * 2 * HEALTHY.serviceMs);
    for (let t = TAKEOVER; t < 150; t++) expect(seeded.panic[t]).toBe(false);
    // What the seed spares the clients (the takeover from a clean state: 2.6 s).
    expect(worstAfter(clean)).toBeGreaterThan(3 * 2 * HEALTHY.serviceMs);
  });

  it('keeps a slow backend\'s cut through a takeover mid-fault, and restores it once healed', () => {
    const slow = (i: number, t: number) => (faulty(i, t) ? SLOW : HEALTHY);
    const trace = simulate({ seconds: 130, rate: RATE, condition: slow, takeover: { at: 60, seeded: true } });
    for (let t = 60; t < HEAL; t++) expect(trace.shares[t]![2]).toBeLessThan(0.02);
    const fair = firstSecond(trace, HEAL, (t) => trace.shares[t]![2]! >= 0.16);
    expect(fair! - HEAL).toBeLessThanOrEqual(30);
    // From a clean state the slow backend was sent its fair share again.
    const unseeded = simulate({ seconds: 130, rate: RATE, condition: slow, takeover: { at: 60, seeded: false } });
    expect(Math.max(...unseeded.shares.slice(60, HEAL).map((s) => s[2]!))).toBeGreaterThan(0.1);
  });
});

describe('scenario: proxyless gRPC clients, capacities 4 : 3 at 80% load', () => {
  // A gRPC client rotates only within a locality (src/xds/resources/endpoints.ts), so
  // near-equal weights share one, each served the locality's mean. An endpoint of 3/4 of
  // its peers' capacity settles at ~84% of their weight: with a tolerance of 25% it would
  // join their locality, be served their mean, overload, be cut out of it, restore into
  // it again (32 weight changes in three minutes in this simulation, against 1).
  const capacity = [4, 3, 4, 3, 4];
  const total = perSecond(capacity);
  const trace = simulate({ seconds: 240, rate: 0.8 * total, grpc: true, condition: (i) => ({ ...HEALTHY, capacity: capacity[i]! }) });

  it('settles: the smaller two neither join the larger ones\' locality nor dither at its edge', () => {
    expect(weightChanges(trace, 1, 60, 240)).toBeLessThanOrEqual(3);
    expect(weightChanges(trace, 3, 60, 240)).toBeLessThanOrEqual(3);
    const p99s = [];
    for (let t = 60; t < 240; t++) p99s.push(clientP99(trace, t));
    expect(Math.max(...p99s)).toBeLessThan(2 * HEALTHY.serviceMs);
  });
});

describe('scenario: heterogeneous capacities with a CPU signal', () => {
  const capacity = HETERO;
  const total = perSecond(capacity);
  const condition = (i: number) => ({ ...HEALTHY, capacity: capacity[i]! });
  const withCpu = simulate({ seconds: 150, rate: 0.7 * total, condition, cpu: true });
  const without = simulate({ seconds: 150, rate: 0.7 * total, condition });
  const meanP99 = (trace: Trace) => {
    let sum = 0;
    for (let t = 60; t < 150; t++) sum += clientP99(trace, t);
    return sum / 90;
  };

  it('holds the middle backend at or under its capacity share, where latency alone leaves it busier than its peers', () => {
    // Latency alone: 57 against the large ones' 100 (its capacity share is 50), busier
    // than they are. With CPU its ceiling is 50^(1 + the tail exponent): 41 while
    // the large ones have room. (Here a CPU saturated at the
    // cold start, through the hot-spot penalty, also changes the path: the ceiling itself
    // is tested on the engine in concepts.test.ts, "capacity from CPU".)
    const share = (trace: Trace) => trace.weights[149]![2]! / trace.weights[149]![4]!;
    expect(share(without)).toBeGreaterThan(0.55);
    expect(share(withCpu)).toBeLessThanOrEqual(0.5 + 0.01);
    expect(share(withCpu)).toBeGreaterThan(Math.pow(0.5, 1 + TAIL_EXPONENT) - 0.02);
  });

  it('gives the clients a lower tail, and settles as steadily', () => {
    expect(meanP99(withCpu)).toBeLessThan(0.95 * meanP99(without));
    expect(shareSpread(withCpu, 60, 150)).toBeLessThan(0.08);
    for (let t = 30; t < 150; t++) expect(withCpu.panic[t]).toBe(false);
  });
});

describe('scenario: a slow backend heals, with a CPU signal', () => {
  const trace = simulate({ seconds: 130, rate: RATE, condition: (i, t) => (faulty(i, t) ? SLOW : HEALTHY), cpu: true });

  it('reacts as fast and gives the healed backend its fair share back within 30 s', () => {
    expect(firstSecond(trace, FAULT, (s) => trace.shares[s]![2]! < 0.1)! - FAULT).toBeLessThanOrEqual(5);
    expect(firstSecond(trace, HEAL, (s) => trace.shares[s]![2]! >= 0.16)! - HEAL).toBeLessThanOrEqual(30);
  });
});

describe('scenario: mass degradation (three of five ×3 slower, 60% load)', () => {
  const trace = simulate({ seconds: 100, rate: RATE, condition: (i, t) => (i < 3 && t >= FAULT && t < HEAL ? { ...HEALTHY, serviceMs: 3 * HEALTHY.serviceMs } : HEALTHY) });

  it('panics to equal weights rather than overloading the healthy two', () => {
    const t = firstSecond(trace, FAULT, (s) => trace.panic[s]!);
    expect(t! - FAULT).toBeLessThanOrEqual(20);
    for (let s = t! + 1; s < HEAL; s++) expect(new Set(trace.weights[s]).size).toBe(1);
    let over = 0;
    for (let s = FAULT; s < HEAL; s++) for (const i of [3, 4]) if (trace.steps[s]![i]!.utilisation > 1.02) over++;
    expect(over).toBe(0);
  });
});

describe('scenario: mass degradation, with a CPU signal', () => {
  const slowThree = (i: number, t: number) => (i < 3 && t >= FAULT && t < HEAL ? { ...HEALTHY, serviceMs: 3 * HEALTHY.serviceMs } : HEALTHY);
  const trace = simulate({ seconds: 100, rate: RATE, condition: slowThree, cpu: true });

  it('panics to weights by capacity: no backend, slow or healthy, sent much past its capacity', () => {
    const t = firstSecond(trace, FAULT, (s) => trace.panic[s]!);
    expect(t! - FAULT).toBeLessThanOrEqual(20);
    // Equal weights would send the slow three 1.8× their capacity (the test above).
    for (let s = t! + 10; s < HEAL; s++) {
      for (const step of trace.steps[s]!) expect(step.utilisation).toBeLessThan(1.06);
      expect(trace.weights[s]![0]! / trace.weights[s]![4]!).toBeLessThan(0.4);
    }
    expect(trace.decisions.find((d) => d.decision.kind === 'panic-enter')?.decision.reason).toMatch(/weights by capacity/);
  });
});

describe('scenario: Prometheus stops answering', () => {
  const trace = simulate({
    seconds: 100,
    rate: RATE,
    condition: (i, t) => (i === 2 && t >= 10 ? SLOW : HEALTHY),
    prometheusDown: (t) => t >= 40,
  });

  it('holds the weights, then drifts back to equal, and ejects nothing', () => {
    const held = trace.weights[39]!;
    for (let t = 40; t < 48; t++) expect(trace.weights[t]).toEqual(held);
    expect(trace.weights[80]).toEqual([100, 100, 100, 100, 100]);
    for (const states of trace.states) expect(states).not.toContain('ejected');
    expect(trace.decisions.some((d) => d.decision.kind === 'stale')).toBe(true);
    expect(trace.decisions.some((d) => d.decision.kind === 'stale-reset')).toBe(true);
  });
});
