import { describe, expect, it } from 'vitest';
import { countTwinSpikes, twinsOf, type TwinCell } from '../../../bench/loop/localities.js';

const ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
const SECONDS = 100;

/** A run of 100 s (all measured) over twins of 20 calls a second and one of 80, at 60 a second. */
function run(spikes: Record<number, number>, weightsAt: (s: number) => number[]) {
  const p99Ms = Array.from({ length: SECONDS }, (_, s) => (s in spikes ? 300 : 100));
  const samples = Array.from({ length: SECONDS }, (_, s) => ({
    s: s + 0.2,
    at: s * 1000,
    failed: false,
    endpoints: Object.fromEntries(ADDRESSES.map((a, i) => [a, { latencyMs: spikes[s] === i ? 900 : 100 + i, requestRate: 10 }])),
  }));
  return {
    scenario: { ratePerSecond: 60, phases: [{ name: 'steady', startS: 0, endS: SECONDS, measured: true }] },
    contender: { timeline: { second: [], shares: [], p99Ms, errorRate: [] }, weights: Array.from({ length: SECONDS }, (_, s) => weightsAt(s)), samples },
  };
}

describe('twins sharing a gRPC locality or not (bench/loop/localities.ts)', () => {
  it('finds the backends of equal capacity', () => {
    expect(twinsOf([20, 20, 40, 80, 80])).toEqual([0, 1, 3, 4]);
    expect(twinsOf([20, 40, 80])).toEqual([]);
  });

  it('counts each twin\'s seconds by locality and utilisation, and a spike as the twin\'s that read worst', () => {
    // Shared (weights 10 : 10) until 50 s, then alone (10 : 7); the weights count from 3 s
    // after they were set. Twin 1 reads worst at 20 s and 70 s; the third backend at 30 s.
    const { scenario, contender } = run({ 20: 0, 30: 2, 70: 0 }, (s) => (s < 50 ? [10, 10, 80] : [10, 7, 80]));
    const cells = new Map<string, TwinCell>();
    countTwinSpikes(scenario, contender, [20, 20, 80], cells);
    const cell = (shared: boolean, utilisation: number): TwinCell | undefined =>
      [...cells.values()].find((c) => c.capacity === 20 && c.shared === shared && c.utilisation === utilisation);
    // 10 of 100 at 60 a second over 20: 0.3; 7 of 97: 0.2. Seconds 5–52 shared (weights of 2–49).
    expect(cell(true, 0.3)).toEqual({ capacity: 20, shared: true, utilisation: 0.3, seconds: 2 * 48, spikes: 1 });
    expect(cell(false, 0.3)).toEqual({ capacity: 20, shared: false, utilisation: 0.3, seconds: 47, spikes: 1 });
    expect(cell(false, 0.2)).toEqual({ capacity: 20, shared: false, utilisation: 0.2, seconds: 47, spikes: 0 });
    // The third backend has no twin: its spike counts for none.
    expect([...cells.values()].reduce((sum, c) => sum + c.spikes, 0)).toBe(2);
  });
});
