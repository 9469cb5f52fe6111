/**
 * Exponential smoothing with a time-based half-life (the sample interval may vary), and
 * asymmetric: a worsening is taken faster than an improvement (peak-EWMA in spirit).
 */
import type { CustomSignalSpec, EndpointSample } from '../model/index.js';
import type { SmoothedMemory } from './state.js';
import { ATTACK_FRACTION } from './tuning.js';
import { windowCapacity } from './utilisation.js';

/**
 * The weight of a new value after `dtMs` (> 0): 1 − 2^(−dt/halfLife), so that after one
 * half-life half of the old value is gone whatever the sampling interval.
 */
function newValueWeight(dtMs: number, halfLifeMs: number): number {
  return 1 - Math.pow(2, -dtMs / halfLifeMs);
}

/**
 * One EWMA step with the weight of `newValueWeight`. The first value is taken as is;
 * `dtMs ≤ 0` (the same sample again) changes nothing.
 */
export function ewma(previous: number | undefined, value: number, dtMs: number, halfLifeMs: number): number {
  if (previous === undefined) return value;
  if (!(dtMs > 0)) return previous;
  return previous + newValueWeight(dtMs, halfLifeMs) * (value - previous);
}

/** Which direction of a signal is a worsening. */
type Worse = 'up' | 'down' | 'none';

/** `signals` without an error ratio: the next one is taken as is. */
export function withoutErrors(signals: SmoothedMemory): SmoothedMemory {
  if (signals.errorRatio === undefined) return signals;
  const out: { -readonly [K in keyof SmoothedMemory]: SmoothedMemory[K] } = { ...signals };
  delete out.errorRatio;
  return out;
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
  worse: Worse,
): number {
  return step(previous, value, worse, stepWeights(dtMs, halfLifeMs));
}

/** The new-value weights of one interval and half-life: `calm` for the half-life, `attack` for worsenings. */
interface StepWeights {
  readonly dtMs: number;
  readonly halfLifeMs: number;
  readonly calm: number;
  readonly attack: number;
}

/**
 * The weights of the last (dtMs, halfLifeMs) asked, kept: Math.pow was a tenth of a tick
 * over 10,000 endpoints, and the endpoints of a service are nearly always smoothed with
 * the same interval and half-life. A cache of a pure function: results are the same.
 */
let lastWeights: StepWeights | undefined;

/** The weights for an interval of `dtMs`; undefined when `dtMs ≤ 0` (nothing moves). */
function stepWeights(dtMs: number, halfLifeMs: number): StepWeights | undefined {
  if (!(dtMs > 0)) return undefined;
  if (lastWeights === undefined || lastWeights.dtMs !== dtMs || lastWeights.halfLifeMs !== halfLifeMs) {
    lastWeights = {
      dtMs,
      halfLifeMs,
      calm: newValueWeight(dtMs, halfLifeMs),
      attack: newValueWeight(dtMs, halfLifeMs * ATTACK_FRACTION),
    };
  }
  return lastWeights;
}

/** The weights for `dtMs` without the cache (for the rare field with a longer gap). */
function gapWeights(dtMs: number, halfLifeMs: number): StepWeights {
  return { dtMs, halfLifeMs, calm: newValueWeight(dtMs, halfLifeMs), attack: newValueWeight(dtMs, halfLifeMs * ATTACK_FRACTION) };
}

/** `ewmaAsymmetric` with the weights of its interval (undefined: `dtMs ≤ 0`). */
function step(previous: number | undefined, value: number, worse: Worse, weights: StepWeights | undefined): number {
  if (previous === undefined) return value;
  if (weights === undefined) return previous;
  return blend(previous, value, worse, weights);
}

/** The step from a known previous value over an interval that has weights (`dtMs > 0`). */
function blend(previous: number, value: number, worse: Worse, weights: StepWeights): number {
  const worsening = (worse === 'up' && value > previous) || (worse === 'down' && value < previous);
  return previous + (worsening ? weights.attack : weights.calm) * (value - previous);
}

/**
 * The capacity estimate after `sample`: its window's own (utilisation.ts windowCapacity)
 * smoothed, falling as fast as a cost rises (a quarter of the half-life: a worse capacity
 * is a worsening, and in a mass degradation the panic's split waits for it: smoothed
 * evenly, the slow three got 1.7× their capacity share as the panic began and 1.2× four
 * seconds later); 0 (none) when the window has none (idle, no CPU signal, or the sample
 * lacks one of them). Not the smoothed rate over the smoothed CPU: CPU, a cost, is
 * smoothed faster when it rises, so while an endpoint's load rises that ratio reads low
 * (back from an ejection, ramping ×1.5 a second, one read 11.5 calls/s against the 19 of
 * its window and was capped at half its share). Not kept while idle either: an estimate is
 * from another time (a backend failing fast read up to 1.9× its peers' capacity and, back
 * from its ejection, still did). A number, never undefined: one representation for the
 * field in every endpoint's signals.
 */
function capacityStep(previous: number | undefined, sample: EndpointSample, weights: StepWeights | undefined): number {
  const now = windowCapacity(sample.requestRate, sample.errorRatio, sample.cpu);
  return now === undefined ? 0 : step(previous !== undefined && previous > 0 ? previous : undefined, now, 'down', weights);
}

/** Latencies under this (in ms) are smoothed as this: log space needs a positive floor. */
const MIN_LATENCY_MS = 0.01;

/** A usable number: finite and ≥ 0 (NaN, ±Inf and negatives are "no data"). */
export function usable(v: number | undefined): v is number {
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
  worse: Worse,
  weights: StepWeights | undefined,
  max?: number,
): number | undefined {
  if (!usable(raw)) return prev;
  return step(prev, max === undefined ? raw : Math.min(raw, max), worse, weights);
}

/**
 * Fold one raw sample into the smoothed signals. Fields absent or unusable in the sample
 * keep their smoothed value (missing data is never bad data). Ratios are clamped to 0..1.
 * Latency and the error ratio are each smoothed over the time since their own last usable
 * value (`latencyGapMs`, `errorGapMs`, in ms; `dtMs` when not given), not since the last
 * sample: an endpoint with little traffic has samples every tick (its request rate) but a
 * latency or error ratio only now and then, and an error ratio last seen at 100% half a
 * minute ago, while the endpoint was ejected and had no calls, is old news next to a 0%
 * measured now. (Two numbers rather than an object: one object per endpoint per tick.)
 */
export function smoothSample(
  previous: SmoothedMemory,
  sample: EndpointSample,
  dtMs: number,
  halfLifeMs: number,
  specs: readonly CustomSignalSpec[],
  latencyGapMs = dtMs,
  errorGapMs = dtMs,
): SmoothedMemory {
  const weights = stepWeights(dtMs, halfLifeMs);
  // Weights of their own only for a field that has a value now after a longer gap (rare).
  const latencyWeights = latencyGapMs > dtMs && usable(sample.latencyMs) ? gapWeights(latencyGapMs, halfLifeMs) : weights;
  const errorWeights = errorGapMs > dtMs && usable(sample.errorRatio) ? gapWeights(errorGapMs, halfLifeMs) : weights;
  // The usual case, every signal known before and in the sample and no custom ones.
  // `previous` is checked here, not in smoothUsual: there the first sample's empty
  // signals (a shape without the fields) would make each read box its number.
  if (isFull(previous) && weights !== undefined && latencyWeights !== undefined && errorWeights !== undefined && specs.length === 0) {
    const usual = smoothUsual(previous, sample, weights, latencyWeights, errorWeights);
    if (usual !== undefined) return usual;
  }
  return smoothFields(previous, sample, weights, latencyWeights, errorWeights, specs);
}

/** Smoothed signals in which the five known signals all have a value. */
interface FullSignals extends SmoothedMemory {
  readonly latencyMs: number;
  readonly errorRatio: number;
  readonly requestRate: number;
  readonly cpu: number;
  readonly memory: number;
}

function isFull(s: SmoothedMemory): s is FullSignals {
  return s.latencyMs !== undefined && s.errorRatio !== undefined && s.requestRate !== undefined && s.cpu !== undefined && s.memory !== undefined;
}

/**
 * `smoothSample` when every signal is known before and usable in the sample (no custom
 * ones), else undefined: the same steps as `smoothFields`, written straight so that each
 * value stays an unboxed double until the literal. In `smoothFields` a value that may be
 * `undefined` is boxed at every step that may return it, which was over half of what
 * smoothing allocated. A function of its own: small enough for its steps to be inlined.
 */
function smoothUsual(
  previous: FullSignals,
  sample: EndpointSample,
  weights: StepWeights,
  latencyWeights: StepWeights,
  errorWeights: StepWeights,
): SmoothedMemory | undefined {
  const { latencyMs, errorRatio, requestRate, cpu, memory, capacity } = previous;
  if (!usable(sample.latencyMs) || !usable(sample.errorRatio) || !usable(sample.requestRate) || !usable(sample.cpu) || !usable(sample.memory)) {
    return undefined;
  }
  // Keys in the order of `smoothFields`' literal: one shape for the smoothed signals.
  return {
    latencyMs: Math.exp(
      blend(Math.log(Math.max(latencyMs, MIN_LATENCY_MS)), Math.log(Math.max(sample.latencyMs, MIN_LATENCY_MS)), 'up', latencyWeights),
    ),
    errorRatio: blend(errorRatio, Math.min(sample.errorRatio, 1), 'up', errorWeights),
    requestRate: blend(requestRate, sample.requestRate, 'none', weights),
    cpu: blend(cpu, sample.cpu, 'up', weights),
    memory: blend(memory, sample.memory, 'up', weights),
    capacity: capacityStep(capacity, sample, weights),
  };
}

/** `smoothSample` field by field: any field may be missing before or now, custom signals. */
function smoothFields(
  previous: SmoothedMemory,
  sample: EndpointSample,
  weights: StepWeights | undefined,
  latencyWeights: StepWeights | undefined,
  errorWeights: StepWeights | undefined,
  specs: readonly CustomSignalSpec[],
): SmoothedMemory {
  // Latency is smoothed geometrically (in log space): what matters is "how many times
  // slower", and a 10 s spike must not take minutes to decay back to 20 ms.
  const latencyMs = usable(sample.latencyMs)
    ? Math.exp(
        step(
          previous.latencyMs === undefined ? undefined : Math.log(Math.max(previous.latencyMs, MIN_LATENCY_MS)),
          Math.log(Math.max(sample.latencyMs, MIN_LATENCY_MS)),
          'up',
          latencyWeights,
        ),
      )
    : previous.latencyMs;
  const errorRatio = fold(previous.errorRatio, sample.errorRatio, 'up', errorWeights, 1);
  const requestRate = fold(previous.requestRate, sample.requestRate, 'none', weights);
  const cpu = fold(previous.cpu, sample.cpu, 'up', weights);
  const memory = fold(previous.memory, sample.memory, 'up', weights);
  const capacity = capacityStep(previous.capacity, sample, weights);
  // The usual case, every signal known and no custom ones, as one literal: the same keys
  // in the same order as below, built in one allocation.
  if (
    latencyMs !== undefined &&
    errorRatio !== undefined &&
    requestRate !== undefined &&
    cpu !== undefined &&
    memory !== undefined &&
    specs.length === 0
  ) {
    return { latencyMs, errorRatio, requestRate, cpu, memory, capacity };
  }
  const out: {
    latencyMs?: number;
    errorRatio?: number;
    requestRate?: number;
    cpu?: number;
    memory?: number;
    capacity?: number;
    custom?: Record<string, number>;
  } = {};
  if (latencyMs !== undefined) out.latencyMs = latencyMs;
  if (errorRatio !== undefined) out.errorRatio = errorRatio;
  if (requestRate !== undefined) out.requestRate = requestRate;
  if (cpu !== undefined) out.cpu = cpu;
  if (memory !== undefined) out.memory = memory;
  if (capacity > 0) out.capacity = capacity;
  if (specs.length > 0) {
    const custom: Record<string, number> = {};
    let any = false;
    // Specs are iterated sorted by name so that the record's key order is deterministic.
    for (const spec of [...specs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const worse = spec.direction === 'higher-is-better' ? 'down' : 'up';
      const v = fold(previous.custom?.[spec.name], sample.custom?.[spec.name], worse, weights);
      if (v !== undefined) {
        custom[spec.name] = v;
        any = true;
      }
    }
    if (any) out.custom = custom;
  }
  return out;
}
