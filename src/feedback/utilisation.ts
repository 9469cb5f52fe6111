/**
 * Capacity from CPU: with a CPU signal, an endpoint's capacity is its request rate over
 * its CPU (the calls a second it would answer at 100%, weighted_round_robin's
 * qps / utilisation). Unlike latency it does not depend on the load the weight sends:
 * an endpoint with half its peers' slots reads half their capacity at any share. The
 * controller caps each endpoint's multiplier at its capacity over the largest peer's
 * (plus CAPACITY_MARGIN), the split of the loop benchmark's oracle when every backend is
 * needed; latency still cuts under it. Without a CPU signal nothing here applies.
 */
import { CAPACITY_EQUAL, CAPACITY_MARGIN, CAPACITY_MIN_CPU } from './tuning.js';
import type { SmoothedMemory } from './state.js';

/** One endpoint as capacity sees it. */
export interface CapacityInput {
  readonly signals: SmoothedMemory;
  /** Only current, non-ejected endpoints count. */
  readonly current: boolean;
  readonly ejected: boolean;
}

/** Calls a second at 100% CPU; undefined without both signals, or under CAPACITY_MIN_CPU. */
export function capacityOf(signals: SmoothedMemory): number | undefined {
  const { cpu, requestRate } = signals;
  if (cpu === undefined || requestRate === undefined || !(cpu >= CAPACITY_MIN_CPU) || !(requestRate > 0)) return undefined;
  return requestRate / cpu;
}

const NONE: readonly (number | undefined)[] = Object.freeze([]);

/**
 * Each endpoint's ceiling (by position): (1 + CAPACITY_MARGIN) × its capacity over the
 * largest of the current, non-ejected endpoints'; undefined for an endpoint without an
 * estimate or within CAPACITY_EQUAL of the largest, and for all (an empty list) when
 * fewer than two endpoints have an estimate.
 */
export function capacityCeilings(endpoints: readonly CapacityInput[]): readonly (number | undefined)[] {
  let largest = 0;
  let smallest = Infinity;
  let known = 0;
  for (const e of endpoints) {
    const c = e.current && !e.ejected ? capacityOf(e.signals) : undefined;
    if (c === undefined) continue;
    known++;
    largest = Math.max(largest, c);
    smallest = Math.min(smallest, c);
  }
  // Fewer than two estimates, or all of them equal: no ceiling anywhere (no allocation).
  if (known < 2 || smallest >= CAPACITY_EQUAL * largest) return NONE;
  return endpoints.map((e) => {
    const c = e.current && !e.ejected ? capacityOf(e.signals) : undefined;
    if (c === undefined || c >= CAPACITY_EQUAL * largest) return undefined;
    return Math.min(1, ((1 + CAPACITY_MARGIN) * c) / largest);
  });
}
