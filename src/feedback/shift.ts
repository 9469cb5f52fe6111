/**
 * Limits on how much traffic one round of cuts moves: the capped shift, and no shift at
 * all when nobody has headroom.
 */
import type { ControlResult } from './control.js';
import type { Working } from './memory.js';
import type { Score } from './scoring.js';
import { DEGRADED_RATIO, MAX_SHIFT } from './tuning.js';

/**
 * Apply both limits to the controller's proposals. Cutting is pointless when every
 * endpoint that would take the load is already degraded against the baseline (a mass
 * degradation): the cuts are held, and panic decides.
 */
export function limitShift(
  work: readonly Working[],
  proposals: Map<string, ControlResult>,
  scores: ReadonlyMap<string, Score>,
  baselineMs: number,
): void {
  const noHeadroom = work.every((w) => {
    if (w.ejected || proposals.get(w.address)?.action === 'cut') return true;
    const cost = scores.get(w.address)?.cost;
    return cost !== undefined && cost >= DEGRADED_RATIO * baselineMs;
  });
  if (noHeadroom) {
    for (const w of work) if (proposals.get(w.address)?.action === 'cut') proposals.set(w.address, { control: w.control, action: 'hold' });
    return;
  }
  capShift(work, proposals);
}

/**
 * Cap the share of the service's traffic that one round of cuts moves onto the other
 * endpoints at MAX_SHIFT, scaling every cut's removed fraction alike: when several
 * endpoints degrade at once, the rest must not be pushed past their capacity in one go
 * (they get the time to show whether they can take it). Monotone: a deeper wanted cut
 * still gives a deeper capped cut.
 */
export function capShift(work: readonly Working[], proposals: Map<string, ControlResult>): void {
  let total = 0;
  for (const w of work) total += w.effective;
  if (!(total > 0)) return;
  let moved = 0;
  for (const w of work) {
    const p = proposals.get(w.address);
    if (p?.action === 'cut') moved += (w.effective / total) * (1 - p.control / w.control);
  }
  if (moved <= MAX_SHIFT) return;
  const scale = MAX_SHIFT / moved;
  for (const w of work) {
    const p = proposals.get(w.address);
    if (p?.action !== 'cut') continue;
    // A capped cut already moves what the others can take: it is not deepened later.
    proposals.set(w.address, { control: w.control * (1 - (1 - p.control / w.control) * scale), action: 'cut', deepenFrom: 0 });
  }
}

