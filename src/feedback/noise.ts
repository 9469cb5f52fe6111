/**
 * The service's noise, which widens the cut band (a control chart's limits sit k standard
 * deviations out). Noise is how far each endpoint's standing among its peers (its cost
 * over the reference) strays from its own typical standing. Not how far endpoints differ:
 * backends of different capacities differ for good, and that difference is what the loop
 * must act on. Not how the whole service moves either: when a shift puts more load on
 * every healthy endpoint, their costs rise together and their standing does not change.
 * What strays and comes back is a busy backend's random queue of a few seconds, or the
 * quantile of a few dozen calls.
 */
import { ewma } from './smoothing.js';
import { NOISE_HALF_LIFE_MS, NOISE_K, NOISE_MAX_FACTOR, NOISE_MIN_ENDPOINTS, NOISE_TYPICAL_HALF_LIFE_MS } from './tuning.js';

/**
 * An endpoint's typical standing (cost over the reference) after a reading of `ratio`
 * `dtMs` after the last one: smoothed in log terms (a 2× stray up weighs as a 2× stray
 * down). 0 means none yet.
 */
export function nextTypicalRatio(typical: number, ratio: number | undefined, dtMs: number): number {
  if (ratio === undefined || !(ratio > 0) || !Number.isFinite(ratio)) return typical;
  if (!(typical > 0)) return ratio;
  return Math.exp(ewma(Math.log(typical), Math.log(ratio), dtMs, NOISE_TYPICAL_HALF_LIFE_MS));
}

/**
 * One tick's spread: 1.4826 × the median over the endpoints of |ln(ratio / typical)| (σ
 * for normally distributed strays). One endpoint whose cost jumps among five hardly moves
 * it; every endpoint wandering does. Undefined with fewer than NOISE_MIN_ENDPOINTS strays.
 */
export function spreadOf(strays: readonly number[]): number | undefined {
  if (strays.length < NOISE_MIN_ENDPOINTS) return undefined;
  // A typed array sorts numerically without a comparator (no boxed number per comparison),
  // in O(n log n) however many endpoints the service has.
  const sorted = new Float64Array(strays.length);
  for (let i = 0; i < strays.length; i++) sorted[i] = Math.abs(strays[i]!);
  sorted.sort();
  const k = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[k]! : (sorted[k - 1]! + sorted[k]!) / 2;
  return 1.4826 * median;
}

/** The spread that widens the band to NOISE_MAX_FACTOR: a larger one widens it no further. */
const SPREAD_MAX = Math.log(NOISE_MAX_FACTOR) / NOISE_K;

/**
 * The service's noise (a variance) after a tick's spread (undefined: unchanged). A spread
 * over SPREAD_MAX counts as SPREAD_MAX: it cannot widen the band further, and taken whole
 * it would keep the band at its widest long after (a variance forgets by halves). On the
 * loop benchmark's heterogeneous service the cold start's overloaded seconds (endpoints
 * at 10× their typical standing, a spread of 1–2) held the band at ×1.8 for 110 s, while
 * the steady spread that followed was worth ×1.4; the middle backend read 2.2× the
 * reference for twelve seconds uncut. Turmoil widens the band as fast as the cap's spread
 * would, no faster (×1.37 after ten ticks of it).
 */
export function nextNoiseVar(noiseVar: number, spread: number | undefined, dtMs: number): number {
  if (spread === undefined) return noiseVar;
  const taken = Math.min(spread, SPREAD_MAX);
  return ewma(noiseVar, taken * taken, dtMs, NOISE_HALF_LIFE_MS);
}

/** How much the noise widens the cut band: e^(NOISE_K·σ), in [1, NOISE_MAX_FACTOR]. */
export function noiseFactor(noiseVar: number): number {
  if (!(noiseVar > 0)) return 1;
  return Math.min(NOISE_MAX_FACTOR, Math.exp(NOISE_K * Math.sqrt(noiseVar)));
}
