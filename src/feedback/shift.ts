/**
 * Limits on how much traffic one round of cuts moves: the capped shift, and no shift at
 * all when nobody has headroom.
 */
import type { ControlResult } from './control.js';
import type { Working } from './memory.js';
import type { Score } from './scoring.js';
import { DEGRADED_RATIO, HOT_UTILISATION, MAX_SHIFT } from './tuning.js';
import { capacityOf } from './utilisation.js';

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
  return capShift(work, proposals, alreadyMoved, cpuRoom(work, proposals));
}

/**
 * With a CPU signal, the share of the service's calls its receivers (the current endpoints
 * neither cut nor ejected) can take before HOT_UTILISATION: Σ (HOT_UTILISATION − CPU) ×
 * capacity (utilisation.ts) over the calls a second of every current endpoint. Undefined
 * when a receiver has no capacity estimate (no CPU signal, or idle) or nothing is called.
 * On the loop benchmark's mass degradation the healthy two, 60% busy, had room for 20% of
 * the traffic, and a first round that moved 36% (the cap's 40% at most) took them to 94%
 * and queues of 6–12 calls.
 */
export function cpuRoom(work: readonly Working[], proposals: ReadonlyMap<string, ControlResult>): number | undefined {
  let room = 0;
  let rate = 0;
  for (const w of work) {
    if (!w.current) continue;
    rate += w.signals.requestRate ?? 0;
    if (w.ejected || proposals.get(w.address)?.action === 'cut') continue;
    const capacity = capacityOf(w.signals);
    if (capacity === undefined) return undefined;
    room += Math.max(0, HOT_UTILISATION - w.signals.cpu!) * capacity;
  }
  return rate > 0 ? room / rate : undefined;
}

/**
 * Cap the share of the service's traffic that one round of cuts moves onto the other
 * endpoints (the receivers), scaling every cut's removed fraction alike: when several
 * endpoints degrade at once, the rest must not be pushed past their capacity in one go
 * (they get the time to show whether they can take it). A round is CUT_HOLD_MS long:
 * the deepenings during a cut's hold count toward it (`alreadyMoved`). Before, each tick
 * had a cap of its own: in the loop benchmark's mass degradation a cut and two deepenings
 * took the three slow backends from 60% to 24% of the traffic in 3 s, and the two others
 * from 40% to 76%. With a CPU signal the cap is also the receivers' room (`cpuRoom`).
 * Monotone: a deeper wanted cut still gives a deeper capped cut. Returns the share moved.
 */
export function capShift(work: readonly Working[], proposals: Map<string, ControlResult>, alreadyMoved = 0, room?: number): number {
  let total = 0;
  for (const w of work) total += w.effective;
  if (!(total > 0)) return 0;
  let moved = 0;
  for (const w of work) {
    const p = proposals.get(w.address);
    if (p?.action === 'cut') moved += (w.effective / total) * (1 - p.control / w.control);
  }
  const cap = Math.max(0, Math.min(MAX_SHIFT, room ?? MAX_SHIFT) - alreadyMoved);
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
