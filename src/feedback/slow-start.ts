/**
 * Slow start, after Envoy's `slow_start_config`: an endpoint that is new, ready again or
 * back from ejection is capped at a share that grows with time over the window,
 * max(floor, (elapsed / window)^(1 / aggression)); with aggression 1 the ramp is linear.
 * The per-tick step limit applies on top, so the ramp never jumps.
 */
import type { ServicePolicy } from '../model/index.js';
import { SLOW_START_AGGRESSION } from './tuning.js';

/** The cap on an endpoint's multiplier `elapsedMs` into its slow start; 1 once it is over. */
export function slowStartCap(elapsedMs: number, policy: ServicePolicy): number {
  if (policy.slowStartMs <= 0 || elapsedMs >= policy.slowStartMs) return 1;
  const progress = Math.max(0, elapsedMs) / policy.slowStartMs;
  return Math.max(policy.weightFloor, Math.pow(progress, 1 / SLOW_START_AGGRESSION));
}

/** Whether a slow start that began at `startedAt` (0: none) still runs at `now`. */
export function inSlowStart(startedAt: number, now: number, policy: ServicePolicy): boolean {
  return startedAt > 0 && policy.slowStartMs > 0 && now - startedAt < policy.slowStartMs;
}
