/**
 * Panic, after Envoy's panic threshold: when more than the panic-threshold share of the
 * ready endpoints is degraded, weights return to equal instead of piling the load on the
 * few that look healthy (which would overload them: in a mass degradation the healthy
 * ones cannot take everything). Panic lasts at least PANIC_MIN_MS so that it does not
 * flap, and ends once the degraded share is back at or under the threshold.
 */
import type { ServicePolicy } from '../model/index.js';
import { PANIC_MIN_MS } from './tuning.js';

export interface PanicState {
  readonly panic: boolean;
  readonly panicSince: number;
}

/** What happened to panic this tick. */
export type PanicChange = 'enter' | 'exit' | 'none';

/**
 * Next panic state. `degraded` of `ready` endpoints are degraded; endpoints without data
 * count as not degraded. A single endpoint never panics (equal weights change nothing).
 */
export function decidePanic(
  previous: PanicState,
  degraded: number,
  ready: number,
  policy: ServicePolicy,
  now: number,
): PanicState & { change: PanicChange } {
  const over = ready >= 2 && degraded / ready > policy.panicThreshold;
  if (!previous.panic) {
    return over ? { panic: true, panicSince: now, change: 'enter' } : { ...previous, change: 'none' };
  }
  if (!over && now - previous.panicSince >= PANIC_MIN_MS) return { panic: false, panicSince: 0, change: 'exit' };
  return { ...previous, change: 'none' };
}
