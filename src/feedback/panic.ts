/**
 * Panic, after Envoy's panic threshold: when more than the panic-threshold share of the
 * ready endpoints is degraded, weights return to equal instead of piling the load on the
 * few that look healthy (which would overload them: in a mass degradation the healthy
 * ones cannot take everything). Panic lasts at least PANIC_MIN_MS so that it does not
 * flap, and ends once the degraded share is back at or under the threshold.
 *
 * Unlike Envoy's health-check panic, ours also counts slowness, and slowness depends on
 * load: under equal weights an endpoint with less capacity than its fair share stays
 * slow, which would keep the panic going forever. So a panic that only slowness keeps
 * going ends after PANIC_MAX_MS and is not entered again on slowness alone for
 * PANIC_COOLDOWN_MS, to let the controller try shifting again. Failing endpoints (errors,
 * custom signals) keep or start a panic at any time.
 */
import type { ServicePolicy } from '../model/index.js';
import { PANIC_CONFIRM_MS, PANIC_COOLDOWN_MS, PANIC_MAX_MS, PANIC_MIN_MS } from './tuning.js';

export interface PanicState {
  readonly panic: boolean;
  /** When the current panic began; 0 when not in panic. */
  readonly panicSince: number;
  /** Until when slowness alone cannot start a panic; 0 when it can. */
  readonly cooldownUntil: number;
  /** Since when slowness has put the service over the threshold (not in panic); 0: not over. */
  readonly overSince: number;
}

/** What happened to panic this tick. */
export type PanicChange = 'enter' | 'exit' | 'none';

/** The endpoints counted toward panic. */
export interface PanicCount {
  /** Degraded for any reason (including failing). */
  readonly degraded: number;
  /** Degraded because failing (errors, custom signals). */
  readonly failing: number;
  readonly ready: number;
  /**
   * Degraded by slowness alone and already cut: the endpoints a shift was tried on.
   * When these alone are over the threshold while the shift has overwhelmed its
   * receivers (headroom.ts), the panic needs no confirmation: waiting only lets the
   * receivers' queues grow (a mass degradation).
   */
  readonly cutSlow?: number;
  readonly overwhelmed?: boolean;
  /**
   * Of `cutSlow`, those whose cut has had CUT_HOLD_MS to show and whose cost is still
   * near its highest since the cut (UNRELIEVED_FRACTION): the shift did not relieve them.
   * When these alone are over the threshold while the receivers are loaded (headroom.ts),
   * the panic needs no confirmation either: the next round of cuts would only push the
   * receivers past their capacity.
   */
  readonly unrelieved?: number;
  readonly receiversLoaded?: boolean;
  /**
   * Degraded by slowness at HOT_UTILISATION or more of their CPU, with capacities known:
   * past their capacity. When these alone are over the threshold the panic needs no
   * confirmation: its capacity split serves each endpoint what it can take, and waiting
   * lets their queues grow to the calls' deadlines (a mass degradation).
   */
  readonly saturated?: number;
}

/**
 * Next panic state. Endpoints without data count as not degraded. A single endpoint never
 * panics (equal weights change nothing).
 */
export function decidePanic(
  previous: PanicState,
  count: PanicCount,
  policy: ServicePolicy,
  now: number,
): PanicState & { change: PanicChange } {
  const { degraded, failing, ready } = count;
  const over = (n: number): boolean => ready >= 2 && n / ready > policy.panicThreshold;
  const cooling = now < previous.cooldownUntil;
  if (!previous.panic) {
    // Slowness must last PANIC_CONFIRM_MS: the windows still show the load of before a
    // shift for a few seconds, and a panic on that would undo a shift that worked.
    const overSince = !cooling && over(degraded) ? previous.overSince || now : 0;
    // Unconfirmed, the slow endpoints that were cut must be over the threshold by
    // themselves: one slow backend cut and a few busy receivers, or a failing endpoint
    // and a few busy ones, are not a mass degradation.
    const urgent =
      (count.overwhelmed === true && over(count.cutSlow ?? 0)) ||
      (count.receiversLoaded === true && over(count.unrelieved ?? 0)) ||
      over(count.saturated ?? 0);
    const enter = over(failing) || (overSince > 0 && (urgent || now - overSince >= PANIC_CONFIRM_MS));
    return enter
      ? { panic: true, panicSince: now, cooldownUntil: 0, overSince: 0, change: 'enter' }
      : { ...previous, overSince, change: 'none' };
  }
  const lasted = now - previous.panicSince;
  if (lasted < PANIC_MIN_MS) return { ...previous, change: 'none' };
  if (!over(degraded)) return { panic: false, panicSince: 0, cooldownUntil: 0, overSince: 0, change: 'exit' };
  if (lasted >= PANIC_MAX_MS && !over(failing)) {
    return { panic: false, panicSince: 0, cooldownUntil: now + PANIC_COOLDOWN_MS, overSince: 0, change: 'exit' };
  }
  return { ...previous, change: 'none' };
}
