/**
 * The service's baseline: what its reference cost looked like before trouble. Panic
 * judges slowness against it, and the receivers' headroom (headroom.ts) measures their
 * load by it. It follows the reference down quickly and up only slowly, so that overload
 * created by a shift does not make the endpoints that were cut look fine; smoothed in log
 * space, as latency.
 *
 * Down "quickly" is a half-life of BASELINE_DOWN_HALF_LIFE_MS, not "at once": a single
 * low reading must not set it. The loop benchmark showed why: the first tick of a service
 * read 59 ms from the one endpoint that had answered a few calls, against 150–200 ms for
 * every endpoint once the load ran, and a baseline that took it at once stayed under half
 * the service's normal cost for a minute. Every busy endpoint then counted as "2× the
 * baseline". For the same reason the baseline starts only from a reference that at least
 * half of the endpoints had a cost for.
 */
import { ewma } from './smoothing.js';
import { BASELINE_DOWN_HALF_LIFE_MS, BASELINE_HALF_LIFE_MS } from './tuning.js';

/**
 * The baseline after a tick whose reference is `referenceMs`, `dtMs` after the last
 * tick. `previousMs` 0 means none yet; `trusted` is false when the tick's data is stale or
 * too few endpoints had a cost (the baseline then holds, or stays unset).
 */
export function nextBaseline(previousMs: number, referenceMs: number, dtMs: number, trusted: boolean): number {
  if (!trusted || !(referenceMs > 0)) return previousMs;
  if (!(previousMs > 0)) return referenceMs;
  const halfLife = referenceMs < previousMs ? BASELINE_DOWN_HALF_LIFE_MS : BASELINE_HALF_LIFE_MS;
  return Math.exp(ewma(Math.log(previousMs), Math.log(referenceMs), dtMs, halfLife));
}
