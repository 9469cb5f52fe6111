import { describe, expect, it } from 'vitest';
import { analyse, phaseBounds, type RunCalls } from '../../../bench/loop/analysis.js';
import { buildScenarios } from '../../../bench/loop/scenarios.js';

const mass = buildScenarios().find((s) => s.name === 'mass-degradation')!;
const heterogeneous = buildScenarios().find((s) => s.name === 'heterogeneous')!;
const NO_CALLS: RunCalls = { scheduledS: new Float64Array(0), latencyMs: new Float64Array(0), backend: new Int8Array(0), code: new Int8Array(0) };
const OPTS = { holdS: 3, settleS: 20, spreadWindowS: 5 };

/** Per-second utilisation over the whole scenario: `degraded` for the slow three and `healthy` for the others during the fault. */
function utilisation(healthy: number, degraded: number): number[][] {
  const bounds = phaseBounds(mass);
  const end = Math.ceil(bounds[bounds.length - 1]!.endS);
  const fault = bounds[mass.phases.findIndex((p) => p.fault)]!;
  return Array.from({ length: end }, (_, t) =>
    t >= fault.startS && t < fault.endS ? [degraded, degraded, degraded, healthy, healthy] : [0.5, 0.5, 0.5, 0.5, 0.5],
  );
}

describe('the loop benchmark figures', () => {
  it('report the healthy backends\' utilisation under a fault apart from the busiest backend\'s', () => {
    const f = analyse(mass, NO_CALLS, { weights: [], utilisation: utilisation(1.4, 3) }, OPTS);
    expect(f.busiestUtilisation).toBeCloseTo(3);
    // Backends 4 and 5 are the healthy ones of mass degradation: they were pushed past capacity.
    expect(f.healthyUtilisation).toBeCloseTo(1.4);
    expect(analyse(mass, NO_CALLS, { weights: [], utilisation: utilisation(0.9, 3) }, OPTS).healthyUtilisation).toBeCloseTo(0.9);
  });
  it('report the calls sent to a healthy backend under a fault over its capacity, whatever it queued', () => {
    const fault = phaseBounds(mass)[mass.phases.findIndex((p) => p.fault)]!;
    const rate = mass.ratePerSecond;
    // Each healthy backend (4 and 5) gets `healthyShare` of the load; the slow three the rest.
    const calls = (healthyShare: number): RunCalls => {
      const n = Math.round((fault.endS - fault.startS) * rate);
      const backend = Int8Array.from({ length: n }, (_, i) => {
        const x = (i % 300) / 300; // 300 divides the phase's 3 600 calls
        return x < healthyShare ? 3 : x < 2 * healthyShare ? 4 : i % 3;
      });
      return { scheduledS: Float64Array.from({ length: n }, (_, i) => fault.startS + i / rate), latencyMs: new Float64Array(n).fill(100), backend, code: new Int8Array(n) };
    };
    // 60 calls a second: a third each is 20 a second, a healthy backend's whole capacity.
    expect(analyse(mass, calls(1 / 3), { weights: [], utilisation: utilisation(4, 1) }, OPTS).healthyLoad).toBeCloseTo(1, 2);
    expect(analyse(mass, calls(0.4), { weights: [], utilisation: utilisation(9, 1) }, OPTS).healthyLoad).toBeCloseTo(1.2, 2);
    expect(analyse(heterogeneous, NO_CALLS, { weights: [], utilisation: [] }, OPTS).healthyLoad).toBeNull();
  });
  it('have no healthy-under-a-fault figure where nothing faults', () => {
    const f = analyse(heterogeneous, NO_CALLS, { weights: [], utilisation: [] }, OPTS);
    expect(f.healthyUtilisation).toBeNull();
  });
  it('count fast failures in the p99, and report the successes\' p99 apart', () => {
    // 200 measured calls: 100 failed within 1 ms; of the 100 answered, 98 in 100 ms and 2 in 1 s.
    const from = phaseBounds(heterogeneous)[1]!.startS;
    const n = 200;
    const calls: RunCalls = {
      scheduledS: Float64Array.from({ length: n }, (_, i) => from + i * 0.1),
      latencyMs: Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : i >= n - 4 ? 1000 : 100)),
      backend: new Int8Array(n),
      code: Int8Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 14 : 0)),
    };
    const f = analyse(heterogeneous, calls, { weights: [], utilisation: [] }, OPTS);
    expect(f.errorRate).toBeCloseTo(0.5);
    // The fast failures fill the bottom of the histogram: the two slow calls fall out of the top 1%.
    expect(f.p99Ms!).toBeCloseTo(100, 0);
    expect(f.okP99Ms!).toBeCloseTo(1000, -1);
  });
});
