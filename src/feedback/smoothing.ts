/**
 * Exponential smoothing with a time-based half-life (the sample interval may vary), and
 * asymmetric: a worsening is taken faster than an improvement (peak-EWMA in spirit).
 */
import type { CustomSignalSpec, EndpointSample } from '../model/index.js';
import type { SmoothedMemory } from './state.js';
import { ATTACK_FRACTION } from './tuning.js';

/**
 * One EWMA step: the weight of the new value is 1 − 2^(−dt/halfLife), so that after one
 * half-life half of the old value is gone whatever the sampling interval. The first value
 * is taken as is; `dtMs ≤ 0` (the same sample again) changes nothing.
 */
export function ewma(previous: number | undefined, value: number, dtMs: number, halfLifeMs: number): number {
  if (previous === undefined) return value;
  if (!(dtMs > 0)) return previous;
  const alpha = 1 - Math.pow(2, -dtMs / halfLifeMs);
  return previous + alpha * (value - previous);
}

/**
 * EWMA where moves in the `worse` direction use ATTACK_FRACTION of the half-life. Monotone:
 * a larger `value` never gives a smaller result.
 */
export function ewmaAsymmetric(
  previous: number | undefined,
  value: number,
  dtMs: number,
  halfLifeMs: number,
  worse: 'up' | 'down' | 'none',
): number {
  if (previous === undefined) return value;
  const worsening = (worse === 'up' && value > previous) || (worse === 'down' && value < previous);
  return ewma(previous, value, dtMs, worsening ? halfLifeMs * ATTACK_FRACTION : halfLifeMs);
}

/** Latencies under this (in ms) are smoothed as this: log space needs a positive floor. */
const MIN_LATENCY_MS = 0.01;

/** A usable number: finite and ≥ 0 (NaN, ±Inf and negatives are "no data"). */
function usable(v: number | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

/** Whether a sample carries any usable field (a sample of NaNs is no sample). */
export function hasData(sample: EndpointSample | undefined, specs: readonly CustomSignalSpec[]): boolean {
  if (sample === undefined) return false;
  if (usable(sample.latencyMs) || usable(sample.errorRatio) || usable(sample.requestRate)) return true;
  if (usable(sample.cpu) || usable(sample.memory)) return true;
  return specs.some((s) => usable(sample.custom?.[s.name]));
}

/** One field's step: unusable raw values keep the previous smoothed value. */
function fold(
  prev: number | undefined,
  raw: number | undefined,
  worse: 'up' | 'down' | 'none',
  dtMs: number,
  halfLifeMs: number,
  max?: number,
): number | undefined {
  if (!usable(raw)) return prev;
  return ewmaAsymmetric(prev, max === undefined ? raw : Math.min(raw, max), dtMs, halfLifeMs, worse);
}

/**
 * Fold one raw sample into the smoothed signals. Fields absent or unusable in the sample
 * keep their smoothed value (missing data is never bad data). Ratios are clamped to 0..1.
 */
export function smoothSample(
  previous: SmoothedMemory,
  sample: EndpointSample,
  dtMs: number,
  halfLifeMs: number,
  specs: readonly CustomSignalSpec[],
): SmoothedMemory {
  const out: {
    latencyMs?: number;
    errorRatio?: number;
    requestRate?: number;
    cpu?: number;
    memory?: number;
    custom?: Record<string, number>;
  } = {};
  // Latency is smoothed geometrically (in log space): what matters is "how many times
  // slower", and a 10 s spike must not take minutes to decay back to 20 ms.
  const latencyMs = usable(sample.latencyMs)
    ? Math.exp(
        ewmaAsymmetric(
          previous.latencyMs === undefined ? undefined : Math.log(Math.max(previous.latencyMs, MIN_LATENCY_MS)),
          Math.log(Math.max(sample.latencyMs, MIN_LATENCY_MS)),
          dtMs,
          halfLifeMs,
          'up',
        ),
      )
    : previous.latencyMs;
  const errorRatio = fold(previous.errorRatio, sample.errorRatio, 'up', dtMs, halfLifeMs, 1);
  const requestRate = fold(previous.requestRate, sample.requestRate, 'none', dtMs, halfLifeMs);
  const cpu = fold(previous.cpu, sample.cpu, 'up', dtMs, halfLifeMs);
  const memory = fold(previous.memory, sample.memory, 'up', dtMs, halfLifeMs);
  if (latencyMs !== undefined) out.latencyMs = latencyMs;
  if (errorRatio !== undefined) out.errorRatio = errorRatio;
  if (requestRate !== undefined) out.requestRate = requestRate;
  if (cpu !== undefined) out.cpu = cpu;
  if (memory !== undefined) out.memory = memory;
  if (specs.length > 0) {
    const custom: Record<string, number> = {};
    let any = false;
    // Specs are iterated sorted by name so that the record's key order is deterministic.
    for (const spec of [...specs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const worse = spec.direction === 'higher-is-better' ? 'down' : 'up';
      const v = fold(previous.custom?.[spec.name], sample.custom?.[spec.name], worse, dtMs, halfLifeMs);
      if (v !== undefined) {
        custom[spec.name] = v;
        any = true;
      }
    }
    if (any) out.custom = custom;
  }
  return out;
}
