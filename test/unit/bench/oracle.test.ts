import { describe, expect, it } from 'vitest';
import { buildScenarios, oracleWeights } from '../../../bench/loop/scenarios.js';

const byName = new Map(buildScenarios().map((s) => [s.name, s]));
const weightsOf = (name: string, phase: string): number[] => {
  const s = byName.get(name)!;
  return oracleWeights(s.phases.find((p) => p.name === phase)!.backends, s.ratePerSecond);
};

describe('the loop benchmark oracle', () => {
  it('splits by capacity when every backend is healthy, the smaller ones under their shares while the large ones have room', () => {
    expect(weightsOf('slow-backend', 'warm-up')).toEqual([1000, 1000, 1000, 1000, 1000]);
    // 70% busy: capacity over the largest's, to the power 1.3 (the large ones 77% busy).
    expect(weightsOf('heterogeneous', 'steady')).toEqual([165, 165, 406, 1000, 1000]);
  });
  it('keeps a failing backend at the floor', () => {
    expect(weightsOf('error-backend', 'fault')).toEqual([1000, 1000, 1, 1000, 1000]);
    expect(weightsOf('fail-fast', 'fault')).toEqual([1000, 1000, 1, 1000, 1000]);
  });
  it('keeps a slow backend at the floor when the others can carry the load', () => {
    expect(weightsOf('slow-backend', 'fault')).toEqual([1000, 1000, 1, 1000, 1000]);
    expect(weightsOf('flapping', 'slow-1')).toEqual([1000, 1000, 1, 1000, 1000]);
    expect(weightsOf('flapping', 'healthy-1')).toEqual([1000, 1000, 1000, 1000, 1000]);
  });
  it('splits by capacity when the slow backends are needed (mass degradation)', () => {
    expect(weightsOf('mass-degradation', 'degraded')).toEqual([333, 333, 333, 1000, 1000]);
  });
});
