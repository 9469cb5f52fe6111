import { describe, expect, it } from 'vitest';
import { INITIAL_ENGINE_STATE, seedState } from '../../../src/feedback/index.js';
import type { WeightTable } from '../../../src/model/index.js';
import { addresses, Driver, endpoint, samples, service, sid, topology, uniform } from './fixtures.js';

const T0 = 1_700_000_000_000;
const HEALTHY = { latencyMs: 20, errorRatio: 0, requestRate: 50 };

function table(name: string, weights: Record<string, number>): WeightTable {
  return new Map([[sid(name), new Map(Object.entries(weights))]]);
}

describe('seedState: a new leader continues from the weights being served', () => {
  const addrs = addresses(4);
  const topo = topology(service('api', addrs.map((a) => endpoint(a))));

  it('serves the seeded weights at its first ticks rather than equal weights', () => {
    const d = new Driver(topo);
    d.state = seedState(topo, table('api', { [addrs[0]!]: 100, [addrs[1]!]: 100, [addrs[2]!]: 30, [addrs[3]!]: 5 }), T0);
    for (let k = 1; k <= 3; k++) {
      d.tick(T0 + k * 1000, samples(T0 + k * 1000, { api: uniform(addrs, HEALTHY) }));
      expect(addrs.map((a) => d.served('api', a))).toEqual([100, 100, 30, 5]);
    }
    // Healthy, the cut ones are restored after the hold, in steps.
    for (let k = 4; k <= 60; k++) d.tick(T0 + k * 1000, samples(T0 + k * 1000, { api: uniform(addrs, HEALTHY) }));
    expect(d.served('api', addrs[2]!)).toBe(100);
    expect(d.served('api', addrs[3]!)).toBeGreaterThan(5);
  });

  it('holds them while there is no data yet (missing data is never bad data)', () => {
    const d = new Driver(topo);
    d.state = seedState(topo, table('api', { [addrs[0]!]: 100, [addrs[1]!]: 100, [addrs[2]!]: 30, [addrs[3]!]: 5 }), T0);
    d.tick(T0 + 1000, undefined);
    expect(addrs.map((a) => d.served('api', a))).toEqual([100, 100, 30, 5]);
  });

  it('starts an endpoint served nothing as a new one (slow start), and ignores weights that are not ≥ 1', () => {
    const d = new Driver(topo);
    d.state = seedState(topo, table('api', { [addrs[0]!]: 100, [addrs[1]!]: 250, [addrs[2]!]: Number.NaN }), T0);
    d.tick(T0 + 1000, samples(T0 + 1000, { api: uniform(addrs, HEALTHY) }));
    expect(d.served('api', addrs[0]!)).toBe(100);
    expect(d.served('api', addrs[1]!)).toBe(100);
    expect(d.endpointState('api', addrs[2]!)).toBe('slow-start');
    expect(d.endpointState('api', addrs[3]!)).toBe('slow-start');
    expect(d.served('api', addrs[3]!)).toBeLessThan(100);
  });

  it('gives a service with no served weights no memory: its first tick is a first tick', () => {
    expect(seedState(topo, new Map(), T0)).toBe(INITIAL_ENGINE_STATE);
    expect(seedState(topo, table('other', { [addrs[0]!]: 40 }), T0)).toBe(INITIAL_ENGINE_STATE);
    const seeded = seedState(topo, table('api', { '10.9.9.9': 40 }), T0);
    expect(seeded.services[sid('api')]).toBeUndefined();
  });

  it('cuts a seeded endpoint that reads slow, and ejects one that fails, at once', () => {
    const d = new Driver(topo);
    d.state = seedState(topo, table('api', { [addrs[0]!]: 100, [addrs[1]!]: 100, [addrs[2]!]: 100, [addrs[3]!]: 100 }), T0);
    const bad = { ...uniform(addrs, HEALTHY), [addrs[2]!]: { ...HEALTHY, latencyMs: 200 }, [addrs[3]!]: { ...HEALTHY, errorRatio: 0.5 } };
    d.tick(T0 + 1000, samples(T0 + 1000, { api: bad }));
    expect(d.served('api', addrs[2]!)).toBeLessThan(100);
    expect(d.endpointState('api', addrs[3]!)).toBe('ejected');
  });
});
