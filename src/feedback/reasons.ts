/**
 * Reasons in words a person can read ("latency 412ms is 3.1× the reference 130ms"),
 * for decisions, /api/weights and Events. Pure string formatting.
 */
import type { ServicePolicy } from '../model/index.js';
import type { ControlAction } from './control.js';
import type { Score } from './scoring.js';
import type { SmoothedMemory } from './state.js';
import { CUT_BAND, RESTORE_BAND } from './tuning.js';
import { capacityOf } from './utilisation.js';

/** 4.2ms, 412ms, 12.3s. */
export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${trim(ms / 1000)}s`;
  if (ms < 10) return `${trim(ms)}ms`;
  return `${Math.round(ms)}ms`;
}

/** 31%, 0.5%. */
export function formatPercent(ratio: number): string {
  const p = ratio * 100;
  return `${trim(p)}%`;
}

/** 3.1×. */
export function formatTimes(x: number): string {
  return `${x >= 10 ? Math.round(x) : trim(x)}×`;
}

function trim(x: number): string {
  return (Math.round(x * 10) / 10).toString();
}

/**
 * What makes up the cost, shortest first: "latency 412ms" or "latency 30ms with 12% errors".
 * `held`: the calls in flight and answered per second when they stood in for the latency
 * this tick (inflight.ts), so that a latency the histogram does not show is explained.
 */
export function describeCost(signals: SmoothedMemory, score: Score, held?: HeldCalls): string {
  const parts: string[] = [];
  if (signals.latencyMs !== undefined) parts.push(`latency ${formatMs(signals.latencyMs)}${held === undefined ? '' : ` (${heldText(held)})`}`);
  if (signals.errorRatio !== undefined && signals.errorRatio >= 0.005) parts.push(`${formatPercent(signals.errorRatio)} errors`);
  if (signals.cpu !== undefined && signals.cpu > 0.9) parts.push(`CPU ${formatPercent(signals.cpu)}`);
  if (signals.memory !== undefined && signals.memory > 0.9) parts.push(`memory ${formatPercent(signals.memory)}`);
  for (const name of score.customBreaches) parts.push(`${name} past its threshold`);
  if (parts.length === 0) return 'cost';
  const cost = score.cost !== undefined && (parts.length > 1 || signals.latencyMs === undefined) ? ` (cost ${formatMs(score.cost)})` : '';
  return parts.join(' with ') + cost;
}

/** Calls in flight, and calls answered per second, of an endpoint. */
export interface HeldCalls {
  readonly inflight: number;
  readonly answered: number;
}

function heldText(h: HeldCalls): string {
  const calls = `${Math.round(h.inflight)} call${Math.round(h.inflight) === 1 ? '' : 's'} in flight`;
  return h.answered > 0 ? `${calls}, ${h.answered.toFixed(1)} answered a second` : `${calls}, none answered`;
}

/** `noise`: the widening of the cut band by the service's noise (1: none); `held`: see describeCost. */
export function cutReason(signals: SmoothedMemory, score: Score, referenceMs: number, noise = 1, held?: HeldCalls): string {
  const band = noise > 1.005 ? `over ${formatTimes((1 + CUT_BAND) * noise)}, the band widened by the peers' noise` : `over ${formatTimes(1 + CUT_BAND)}`;
  return `${describeCost(signals, score, held)} is ${formatTimes(score.ratio ?? 0)} the reference ${formatMs(referenceMs)} (${band}): cutting`;
}

/** `limit`: the typical standing over which a trim comes (control.ts `trimLimit`). */
export function trimReason(signals: SmoothedMemory, score: Score, referenceMs: number, typical: number, limit: number): string {
  return `${describeCost(signals, score)} is ${formatTimes(score.ratio ?? 0)} the reference ${formatMs(referenceMs)}, and ${formatTimes(typical)} over the last ten seconds (over ${formatTimes(limit)} for that long): trimming`;
}

/** A cut to the endpoint's capacity share (utilisation.ts). */
export function capacityReason(signals: SmoothedMemory, ceiling: number, largest: number): string {
  const capacity = capacityOf(signals) ?? 0;
  const relative = largest > 0 ? `, ${formatPercent(capacity / largest)} of the largest peer's` : '';
  return `capacity ${capacity.toFixed(1)} calls/s at 100% CPU${relative} (now ${(signals.requestRate ?? 0).toFixed(1)} calls/s at CPU ${formatPercent(signals.cpu ?? 0)}): its ceiling is ${formatPercent(ceiling)} of its fair share, capping there`;
}

export function restoreReason(signals: SmoothedMemory, score: Score, referenceMs: number): string {
  return `${describeCost(signals, score)} is back within ${formatTimes(1 + RESTORE_BAND)} the reference ${formatMs(referenceMs)}: restoring`;
}

export function ejectReason(errorRatio: number | undefined, policy: ServicePolicy, forMs: number, count: number): string {
  return `error ratio ${formatPercent(errorRatio ?? 0)} over threshold ${formatPercent(policy.errorThreshold)}: ejected for ${formatMs(forMs)}${count > 1 ? ` (ejection ${count} in a row)` : ''}`;
}

export function releaseReason(errorRatio: number | undefined, policy: ServicePolicy): string {
  const errors = errorRatio === undefined ? 'no error data' : `error ratio ${formatPercent(errorRatio)}`;
  const ramp = policy.slowStartMs > 0 ? `back through a ${formatMs(policy.slowStartMs)} slow start` : 'back';
  return `ejection time over, ${errors}: ${ramp}`;
}

export function slowStartReason(cause: 'new' | 'ready' | 'ramp', elapsedMs: number, policy: ServicePolicy): string {
  if (cause === 'new') return `new endpoint: slow start over ${formatMs(policy.slowStartMs)}`;
  if (cause === 'ready') return `ready again: slow start over ${formatMs(policy.slowStartMs)}`;
  return `slow start: ${formatPercent(Math.min(1, elapsedMs / policy.slowStartMs))} of ${formatMs(policy.slowStartMs)}`;
}

/** `byCapacity`: the weights follow the endpoints' capacities (a CPU signal) rather than being equal. */
export function panicEnterReason(degraded: number, ready: number, policy: ServicePolicy, byCapacity: boolean): string {
  const weights = byCapacity
    ? 'weights by capacity, every endpoint equally busy, half that while a queue of seconds drains'
    : 'equal weights, and a slow endpoint that queues no more than it answers, half that while its queue drains';
  return `${degraded} of ${ready} endpoints degraded (${formatPercent(degraded / ready)}, over the panic threshold ${formatPercent(policy.panicThreshold)}): ${weights}`;
}

export function panicExitReason(degraded: number, ready: number, policy: ServicePolicy): string {
  return `${degraded} of ${ready} endpoints degraded (${formatPercent(degraded / ready)}, within the panic threshold ${formatPercent(policy.panicThreshold)}): weights follow the signals again`;
}

export function staleReason(ageMs: number): string {
  return `no signals for ${formatMs(ageMs)}: holding weights`;
}

export function staleResetReason(ageMs: number): string {
  return `no signals for ${formatMs(ageMs)}: weights drift back to equal, ejections lifted`;
}

export function driftReason(ageMs: number | undefined): string {
  return ageMs === undefined ? 'no signals: drifting back to equal' : `no signals for ${formatMs(ageMs)}: drifting back to equal`;
}

/** Why a published weight moved, when no ejection or return explains it. */
export function explainShift(
  up: boolean,
  c: {
    panic: boolean;
    panicExit: boolean;
    action: ControlAction | 'drift';
    slowStartBinds: boolean;
    cut: () => string;
    restore: () => string;
    panicText: () => string;
    panicExitText: () => string;
    drift: () => string;
    ramp: () => string;
  },
): string {
  if (c.panic) return `panic: ${c.panicText()}`;
  if (c.panicExit) return `panic over: ${c.panicExitText()}`;
  if (!up) return c.action === 'cut' ? c.cut() : 'weight follows the signals';
  if (c.action === 'drift') return c.drift();
  if (c.slowStartBinds) return c.ramp();
  if (c.action === 'restore') return c.restore();
  return 'returning within the step limit';
}

