/**
 * The panic's split without a CPU signal: an endpoint that queues serves at its capacity,
 * so its answered calls a second are what it can take. In panic, a slow endpoint with a
 * deep backlog (inflight.ts `deepBacklog`) gets its answered rate over the median
 * answered rate of the endpoints that neither queue nor were limited (at most 1; when
 * every endpoint queues or was limited, the largest answered rate): these
 * answer what their share sends them, slow or not (on the loop benchmark the healthy two,
 * at their capacity, read 4–5× the baseline without a queue of a second, and a reference
 * of the endpoints not slow left none, and equal weights for 6 s). The others get equal
 * weights, as before (why not equal for all: utilisation.ts, `CapacityCeilings.split`).
 *
 * Once limited, a slow endpoint keeps the ratio while the panic lasts, queue or not:
 * without a queue its answered rate is what its weight sends, so the ratio holds where
 * it is, and sent more than it can take, it queues again. Why this converges: the
 * endpoints at 1 answer what their share sends them, so the ratio gives the queueing
 * endpoint its own answered rate's worth, its capacity, whatever the others' capacity.
 */
import { lowerQuantile } from './scoring.js';
import { usable } from './smoothing.js';
import { QUEUE_PROBE } from './tuning.js';

/** One endpoint as the split sees it. */
export interface QueueSplitInput {
  /** Calls a second answered without error (smoothed). */
  readonly answered: number | undefined;
  /** Current and not ejected: the only ones that count. */
  readonly counts: boolean;
  /** Degraded by slowness (its cost at DEGRADED_RATIO × the baseline or more). */
  readonly slow: boolean;
  /** A deep backlog this tick. */
  readonly queueing: boolean;
  /** Limited by this split on the tick before, in the same panic. */
  readonly limited: boolean;
}

/**
 * The multipliers (by position): undefined (1) for every endpoint not limited; an empty
 * list when none is (equal weights).
 */
export function queueSplit(endpoints: readonly QueueSplitInput[]): readonly (number | undefined)[] {
  const references: number[] = [];
  let candidates = 0;
  let largest = 0;
  for (const e of endpoints) {
    if (!e.counts || !usable(e.answered)) continue;
    largest = Math.max(largest, e.answered);
    if (!e.queueing && !e.limited) references.push(e.answered);
    else if (e.slow) candidates++;
  }
  // Every endpoint queueing or limited: each answers at its capacity, and the one that
  // answers most is the reference (in panic, drained backlogs move to the endpoints with
  // room, and at the load the whole capacity left, those queue too).
  const reference = candidates === 0 ? undefined : references.length > 0 ? lowerQuantile(references, 0.5) : largest;
  if (reference === undefined || !(reference > 0)) return [];
  let any = false;
  const split = endpoints.map((e) => {
    if (!e.counts || !e.slow || !(e.queueing || e.limited) || !usable(e.answered)) return undefined;
    const m = (e.answered / reference) * (e.queueing ? 1 : QUEUE_PROBE);
    if (m >= 1) return undefined;
    any = true;
    return m;
  });
  return any ? split : [];
}
