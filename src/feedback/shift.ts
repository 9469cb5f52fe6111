/**
 * Limits on how much traffic one round of cuts moves: the capped shift, and no shift at
 * all when nobody has headroom.
 */
import type { ControlResult } from './control.js';
import type { Working } from './memory.js';
import type { Score } from './scoring.js';
import { DEGRADED_RATIO, HOT_UTILISATION, MAX_SHIFT } from './tuning.js';

/**
 * Apply both limits to the controller's proposals, `alreadyMoved` being the share of the
 * traffic the current round of cuts (the last CUT_HOLD_MS) has moved already. Cutting is
 * pointless when every endpoint that would take the load is already degraded against the
 * baseline, or (with a CPU signal) at HOT_UTILISATION or more (a mass degradation): the
 * cuts are held, and panic decides. On the loop benchmark's mass degradation the healthy
 * two were at 100% CPU (20 calls a second each) 6 s into it, still reading only 1.3–1.6×
 * the baseline, and a second round of cuts gave them 39% of the traffic each: they held
 * 13–19 calls in flight for 6 s, 1.05 mean in flight over their capacity for the phase.
 * Returns the share moved by this tick's cuts.
 */
export function limitShift(
  work: readonly Working[],
  proposals: Map<string, ControlResult>,
  scores: ReadonlyMap<string, Score>,
  baselineMs: number,
  alreadyMoved = 0,
): number {
  const noHeadroom = work.every((w) => {
    if (w.ejected || proposals.get(w.address)?.action === 'cut') return true;
    const cost = scores.get(w.address)?.cost;
    return (cost !== undefined && cost >= DEGRADED_RATIO * baselineMs) || (w.signals.cpu ?? 0) >= HOT_UTILISATION;
  });
  if (noHeadroom) {
    for (const w of work) if (proposals.get(w.address)?.action === 'cut') proposals.set(w.address, { control: w.control, action: 'hold' });
    return 0;
  }
  return capShift(work, proposals, alreadyMoved);
}

/**
 * Cap the share of the service's traffic that one round of cuts moves onto the other
 * endpoints (the receivers), scaling every cut's removed fraction alike: when several
 * endpoints degrade at once, the rest must not be pushed past their capacity in one go
 * (they get the time to show whether they can take it). A round is CUT_HOLD_MS long:
 * the deepenings during a cut's hold count toward it (`alreadyMoved`). Before, each tick
 * had a cap of its own: in the loop benchmark's mass degradation a cut and two deepenings
 * took the three slow backends from 60% to 24% of the traffic in 3 s, and the two others
 * from 40% to 76%. Monotone: a deeper wanted cut still gives a deeper capped cut.
 * Returns the share moved.
 */
export function capShift(work: readonly Working[], proposals: Map<string, ControlResult>, alreadyMoved = 0): number {
  let total = 0;
  for (const w of work) total += w.effective;
  if (!(total > 0)) return 0;
  let moved = 0;
  for (const w of work) {
    const p = proposals.get(w.address);
    if (p?.action === 'cut') moved += (w.effective / total) * (1 - p.control / w.control);
  }
  const cap = Math.max(0, MAX_SHIFT - alreadyMoved);
  if (moved <= cap) return moved;
  const scale = cap / moved;
  for (const w of work) {
    const p = proposals.get(w.address);
    if (p?.action !== 'cut') continue;
    // A capped cut already moves what the others can take: it is not deepened later. A
    // capped trim is still a trim (it begins no episode), and a cut to a capacity share
    // still one.
    proposals.set(
      w.address,
      scale > 0
        ? {
            control: w.control * (1 - (1 - p.control / w.control) * scale),
            action: 'cut',
            deepenFrom: 0,
            ...(p.trimmed === true ? { trimmed: true } : {}),
            ...(p.capped === true ? { capped: true } : {}),
          }
        : { control: w.control, action: 'hold' },
    );
  }
  return cap;
}
