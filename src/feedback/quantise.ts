/**
 * Quantisation: the integer weights Envoy and gRPC receive. A fixed scale of FAIR_WEIGHT
 * per fair share (an endpoint at its fair share has weight 100, one cut to a fifth has
 * 20), never below 1, so weights read as percentages of a fair share and the sum stays
 * far below 2^32−1 (42 million endpoints). Every weight change rebuilds Envoy's
 * scheduler and is pushed to every client, so a published weight moves only when the
 * computed one is QUANTISE_HYSTERESIS (relative) away from it, or reaches exactly fair.
 */
import { QUANTISE_HYSTERESIS } from './tuning.js';

/** Integer weight of an endpoint at exactly its fair share. */
export const FAIR_WEIGHT = 100;

/** The smallest weight (ejected endpoints): 1% of a fair share. */
export const MIN_WEIGHT = 1;

/** The multiplier of an ejected endpoint. */
export const EJECTED_MULTIPLIER = MIN_WEIGHT / FAIR_WEIGHT;

/** round(FAIR_WEIGHT × multiplier), clamped to [MIN_WEIGHT, FAIR_WEIGHT]. */
export function toWeight(multiplier: number): number {
  const w = Math.round(FAIR_WEIGHT * multiplier);
  return Math.min(FAIR_WEIGHT, Math.max(MIN_WEIGHT, w));
}

/**
 * The weight to publish for `multiplier` given the one published before (undefined:
 * none). Keeps `previous` while the exact value is within max(0.5, hysteresis × previous)
 * of it, except that exactly fair (1) is always published as FAIR_WEIGHT so that equal
 * weights are exactly equal. Monotone in `multiplier` for a fixed `previous`.
 */
export function quantise(multiplier: number, previous: number | undefined, hysteresis = QUANTISE_HYSTERESIS): number {
  const exact = toWeight(multiplier);
  if (previous === undefined || multiplier >= 1) return exact;
  const raw = FAIR_WEIGHT * multiplier;
  if (Math.abs(raw - previous) <= Math.max(0.5, hysteresis * previous)) return previous;
  return exact;
}
