/**
 * A new leader's first state: the weights the proxies are being served, taken as where
 * each endpoint's controller stands. A replica that takes over (a rolling upgrade, a
 * crash) has none of the last leader's memory; from a clean state its first tick serves
 * every endpoint of every service its fair share, and a service of unequal backends
 * whose small ones had been cut to their capacity sends them their fair share again
 * until its signals, seconds later, cut them back (in simulation, a service of
 * capacities 1 : 1 : 2 : 4 : 4 at 70% load: the clients' p99 at 2.6 s, over 600 ms
 * for 13 s). Seeded with the served weights, the controllers continue from them: a
 * bumpless transfer, as a panic's end hands the controller its split (service-tick.ts).
 *
 * What is not known is left as at a first sighting: no smoothed signals (the first
 * samples are taken as they come), no baseline, no noise, no panic. An endpoint served
 * under its fair share is taken as cut there at the takeover: trouble began at its fair
 * share, and it restores after the usual hold, slowly near its fair share (its knee is
 * not proven). An endpoint served nothing (new since, or not ready) starts as new
 * endpoints of a known service do, in slow start.
 */
import type { Topology, WeightTable } from '../model/index.js';
import { byAddress, isSorted, newMemory, toColumns, type Working } from './memory.js';
import { FAIR_WEIGHT } from './quantise.js';
import { INITIAL_ENGINE_STATE, type EngineState, type ServiceMemory } from './state.js';

/**
 * The engine state to start from at `now` when the proxies are served `served`
 * (serviceId → address → integer weight, as published). A service with no served weight
 * for any of its endpoints gets no memory: its first tick is a first tick. Pure; weights
 * that are not finite numbers ≥ 1 are ignored (the endpoint starts as new).
 */
export function seedState(topology: Topology, served: WeightTable, now: number): EngineState {
  const services: Record<string, ServiceMemory> = {};
  for (const [id, service] of topology.services) {
    const weights = served.get(id);
    if (weights === undefined || weights.size === 0) continue;
    const floor = service.policy.weightFloor;
    const endpoints = isSorted(service.endpoints) ? service.endpoints : [...service.endpoints].sort(byAddress);
    const rows: Working[] = [];
    let lastAddress: string | undefined;
    for (const ep of endpoints) {
      if (ep.address === lastAddress) continue;
      lastAddress = ep.address;
      const weight = weights.get(ep.address);
      if (weight === undefined || !Number.isFinite(weight) || weight < 1) continue;
      const multiplier = Math.min(1, Math.max(floor, weight / FAIR_WEIGHT));
      // A fresh object of newMemory's shape, written field by field (memory.ts).
      const m = newMemory(ep.address, now, true, 0, multiplier) as Working;
      m.control = multiplier;
      m.published = Math.min(FAIR_WEIGHT, Math.round(weight));
      if (multiplier < 1) {
        m.cutFrom = 1;
        m.episodeLow = multiplier;
        m.episodeAt = now;
        m.lastCutAt = now;
        m.goodSinceCut = false;
        m.episodeProven = false;
      }
      rows.push(m);
    }
    if (rows.length === 0) continue;
    services[id] = {
      createdAt: now,
      lastTickAt: now,
      lastFreshAt: 0,
      freshness: 'fresh',
      baselineMs: 0,
      noiseVar: 0,
      receiversStanding: 0,
      roundAt: 0,
      roundMoved: 0,
      panic: false,
      panicSince: 0,
      cooldownUntil: 0,
      overSince: 0,
      changedAt: 0,
      endpoints: toColumns(rows, undefined),
    };
  }
  return Object.keys(services).length === 0 ? INITIAL_ENGINE_STATE : { version: 2, services };
}
