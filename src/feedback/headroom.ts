/**
 * The receivers' headroom: whether the endpoints that would take a shifted load can take
 * more. A cut moves traffic onto the endpoints that are not cut (the receivers); when
 * their own costs have already risen well over the service's baseline (the reference
 * before trouble), they are near their capacity, and moving more onto them trades one
 * slow endpoint for several. Two things follow (service-tick.ts): an endpoint at its full
 * share is cut only for a large excess (the band × LOADED_BAND_FACTOR), which stops
 * cascades of cuts of busy healthy endpoints that each push the rest further (only while
 * a shift is in place: see service-tick.ts). And when the receivers are degraded
 * themselves (DEGRADED_RATIO × the baseline) while the slow endpoints that were cut are
 * over the panic threshold by themselves, the panic starts at once rather than after its
 * confirmation: a shift that overwhelms its receivers has shown that it does not work (a
 * mass degradation: the healthy few cannot take everything).
 *
 * Measured as the median standing of the receivers (cost over the baseline), at the end
 * of a tick, and used at the next: an endpoint's own reading never changes how its own
 * cut is judged in the same tick (monotonicity).
 */
import type { Working } from './memory.js';
import type { Score } from './scoring.js';
import { lowerQuantile } from './scoring.js';
import { DEGRADED_RATIO, RECEIVERS_LOADED } from './tuning.js';

/**
 * The receivers' standing: the median (lower) of cost / `baselineMs` over the current,
 * non-ejected endpoints that are not cut (multiplier 1). 0 when unknown (no baseline, no
 * receivers).
 */
export function receiversStanding(work: readonly Working[], scores: ReadonlyMap<string, Score>, baselineMs: number): number {
  if (!(baselineMs > 0)) return 0;
  const standings: number[] = [];
  for (const w of work) {
    if (!w.current || w.ejected || w.control < 1) continue;
    const cost = scores.get(w.address)?.cost;
    if (cost !== undefined && Number.isFinite(cost)) standings.push(cost / baselineMs);
  }
  return lowerQuantile(standings, 0.5) ?? 0;
}

/** Whether receivers at `standing` count as loaded. */
export function receiversLoaded(standing: number): boolean {
  return standing >= RECEIVERS_LOADED;
}

/** Whether receivers at `standing` are degraded themselves (DEGRADED_RATIO × the baseline). */
export function receiversOverwhelmed(standing: number): boolean {
  return standing >= DEGRADED_RATIO;
}
