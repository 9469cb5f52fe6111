/**
 * Scoring: each endpoint's cost (an error-aware latency), the service's reference cost
 * (a low quantile of the peers'), and how many times worse than the reference each
 * endpoint is. Ideas taken: C3 and Linkerd score replicas by latency relative to the
 * others; gRPC's and Envoy's weighted round robin add an error penalty so that failing
 * fast never looks attractive; the latency target bounds what "worse" can mean.
 */
import type { CustomSignalSpec, ServicePolicy } from '../model/index.js';
import type { SmoothedMemory } from './state.js';
import {
  CUSTOM_PENALTY,
  DEGRADED_RATIO,
  ERROR_COST_TARGETS,
  HOT_PENALTY,
  HOT_UTILISATION,
  MIN_REFERENCE_FRACTION,
  REFERENCE_QUANTILE,
} from './tuning.js';

/** What the scoring found about one endpoint. */
export interface Score {
  /** Error-aware latency cost in ms; undefined without any usable signal. */
  readonly cost: number | undefined;
  /** cost / reference; undefined without a cost. */
  readonly ratio: number | undefined;
  /** Error ratio over the service's threshold (a candidate for ejection). */
  readonly failing: boolean;
  /** Counts toward panic: failing, a custom signal past its threshold, or ratio ≥ DEGRADED_RATIO. */
  readonly degraded: boolean;
  /** The custom signals past their threshold, by name (for reasons). */
  readonly customBreaches: readonly string[];
}

/**
 * The `q`-quantile of `values` by the lower order statistic (index ⌊q·(n−1)⌋): with five
 * peers and q = 0.25, the second best. Deterministic; `values` is not modified.
 */
export function lowerQuantile(values: readonly number[], q: number): number | undefined {
  const n = values.length;
  if (n === 0) return undefined;
  // Hoare's selection over a scratch buffer kept between calls: no array allocated and no
  // whole sort per call (a fresh typed array sorted per call was 6% of an engine tick over
  // 10,000 endpoints; a comparator's boxed return values, before that, ~1 MB a tick).
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, 2 * scratch.length));
  const a = scratch;
  const k = Math.floor(q * (n - 1));
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    // NaN compares false both ways: sort it as a typed array does (last).
    if (v !== v) return Float64Array.from(values).sort()[k];
    a[i] = v;
  }
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k];
}

/** lowerQuantile's working buffer (grown, never shrunk; the engine is single-threaded). */
let scratch = new Float64Array(64);

/**
 * The `q`-quantile of `values` counted by `shares` (each value stands for that many
 * calls): the value at which `q` of the calls, counted as lowerQuantile counts
 * positions, lie below. Sorted by value, the k-th value's calls before it are S_k; the
 * result is the last value whose S_k is at most q × (total − total/n). With equal shares
 * that is lowerQuantile's ⌊q·(n−1)⌋ exactly. A share that is not a positive finite
 * number counts as the others' largest; no usable share at all: lowerQuantile.
 */
export function callQuantile(values: readonly number[], shares: readonly number[], q: number): number | undefined {
  const n = values.length;
  let first: number | undefined;
  let equal = true;
  let largest = 0;
  for (let i = 0; i < n; i++) {
    const s = shares[i]!;
    if (!(s > 0 && s < Infinity)) continue;
    if (first === undefined) first = s;
    else if (s !== first) equal = false;
    if (s > largest) largest = s;
  }
  if (first === undefined || equal) return lowerQuantile(values, q);
  for (let i = 0; i < n; i++) if (values[i]! !== values[i]!) return lowerQuantile(values, q);
  // Positions sorted by value (ties by position), by insertion into a scratch buffer: a
  // service's endpoints are a few dozen, and this runs twice a tick per service whose
  // weights differ.
  if (order.length < n) order = new Int32Array(Math.max(n, 2 * order.length));
  const o = order;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    let j = i;
    while (j > 0 && values[o[j - 1]!]! > v) {
      o[j] = o[j - 1]!;
      j--;
    }
    o[j] = i;
  }
  let total = 0;
  for (let i = 0; i < n; i++) total += shareOf(shares[i]!, largest);
  const mark = q * (total - total / n);
  let before = 0;
  let at = o[0]!;
  for (let k = 0; k < n && !(before > mark); k++) {
    at = o[k]!;
    before += shareOf(shares[at]!, largest);
  }
  return values[at];
}

/** callQuantile's working buffer of positions (grown, never shrunk). */
let order = new Int32Array(64);

/** A share as callQuantile counts it: a positive finite number, else `fallback`. */
function shareOf(s: number, fallback: number): number {
  return s > 0 && s < Infinity ? s : fallback;
}

/** Whether a custom signal's smoothed value is past its threshold in the bad direction. */
export function breaches(spec: CustomSignalSpec, value: number | undefined): boolean {
  if (value === undefined) return false;
  return spec.direction === 'higher-is-better' ? value < spec.threshold : value > spec.threshold;
}

const NO_BREACHES: readonly string[] = Object.freeze([]);

function hotFactor(utilisation: number | undefined): number {
  if (utilisation === undefined || utilisation <= HOT_UTILISATION) return 1;
  const over = Math.min(1, (utilisation - HOT_UTILISATION) / (1 - HOT_UTILISATION));
  return 1 + over * (HOT_PENALTY - 1);
}

/**
 * An endpoint's cost in ms: its latency (or `neutralLatencyMs` when it has none) plus its
 * error ratio priced at ERROR_COST_TARGETS latency targets per error, times the hot-spot
 * (CPU, memory) and custom-signal penalties. Undefined when the endpoint has no signal at
 * all. Monotone: a worse value of any signal never lowers the cost.
 */
export function costOf(
  signals: SmoothedMemory,
  neutralLatencyMs: number,
  policy: ServicePolicy,
  specs: readonly CustomSignalSpec[],
): { cost: number | undefined; customBreaches: readonly string[] } {
  const customBreaches = specs.length === 0 ? NO_BREACHES : specs.filter((s) => breaches(s, signals.custom?.[s.name])).map((s) => s.name).sort();
  const anySignal =
    signals.latencyMs !== undefined ||
    signals.errorRatio !== undefined ||
    signals.cpu !== undefined ||
    signals.memory !== undefined ||
    customBreaches.length > 0;
  if (!anySignal) return { cost: undefined, customBreaches };
  const latency = signals.latencyMs ?? neutralLatencyMs;
  const errors = (signals.errorRatio ?? 0) * ERROR_COST_TARGETS * policy.latencyTargetMs;
  const penalty = hotFactor(signals.cpu) * hotFactor(signals.memory) * (customBreaches.length > 0 ? CUSTOM_PENALTY : 1);
  return { cost: (latency + errors) * penalty, customBreaches };
}

/** The input of scoring for one endpoint: its smoothed signals, and whether they are current. */
export interface ScoringInput {
  readonly address: string;
  readonly signals: SmoothedMemory;
  /** True when the endpoint had a sample this tick (only current data is scored). */
  readonly current: boolean;
  /** Ejected endpoints are scored but do not set the reference. */
  readonly ejected: boolean;
  /**
   * The weight the endpoint was given (any scale; 1 when absent): how much of the
   * service's traffic its latency speaks for in the reference.
   */
  readonly effective?: number;
}

/** Costs and the weights they are counted by, position for position (scoreService). */
interface Costs {
  readonly costs: number[];
  readonly shares: number[];
}

/** Scores of a service's endpoints, and the reference they are measured against. */
export interface ServiceScores {
  readonly referenceMs: number;
  readonly scores: ReadonlyMap<string, Score>;
}

const NO_SCORE: Score = Object.freeze({ cost: undefined, ratio: undefined, failing: false, degraded: false, customBreaches: [] });

/**
 * Score every endpoint of a service. The reference is the REFERENCE_QUANTILE of the costs
 * of the current, non-ejected endpoints (those with a latency of their own, when any has
 * one), counted by the weight each was given (`callQuantile`: the cost a call typically
 * meets, not a typical endpoint's), never below MIN_REFERENCE_FRACTION of the latency
 * target. An endpoint cut to a trickle reads fast because it is spared, not because it
 * could take a share: on the loop benchmark's heterogeneous service, after the cold start
 * had cut the three small backends to 1–2%, their idle 120 ms set the reference for the two
 * large ones carrying 95% of the calls at 300–460 ms, and one of those was cut too, its
 * calls landing on the other, already at its capacity. Endpoints without current data get
 * no score (they are held, not judged).
 */
export function scoreService(
  inputs: readonly ScoringInput[],
  policy: ServicePolicy,
  specs: readonly CustomSignalSpec[],
): ServiceScores {
  const minRef = policy.latencyTargetMs * MIN_REFERENCE_FRACTION;
  const latencies: number[] = [];
  const latencyShares: number[] = [];
  for (const e of inputs) {
    if (e.current && !e.ejected && e.signals.latencyMs !== undefined) {
      latencies.push(e.signals.latencyMs);
      latencyShares.push(e.effective ?? 1);
    }
  }
  // The latency given to endpoints that report errors but no latency: the peers' typical one.
  const neutral = Math.max(callQuantile(latencies, latencyShares, REFERENCE_QUANTILE) ?? policy.latencyTargetMs, minRef);
  // The cost of each input (undefined: not current), by position in `inputs`.
  const costs: ({ cost: number | undefined; customBreaches: readonly string[] } | undefined)[] = [];
  // The reference is set by the endpoints that measured a latency of their own when there
  // are any: a cost built on the neutral latency is the peers' latency again, and counted
  // in the reference it ties the reference to the judged endpoint's own latency (alone
  // with a latency among five, its being slower raised the others' costs, the reference
  // with them, and so its weight: a worse signal gave a higher weight).
  const measured: Costs = { costs: [], shares: [] };
  const guessed: Costs = { costs: [], shares: [] };
  for (const e of inputs) {
    const c = e.current ? costOf(e.signals, neutral, policy, specs) : undefined;
    costs.push(c);
    if (c === undefined || e.ejected || c.cost === undefined) continue;
    const into = e.signals.latencyMs !== undefined ? measured : guessed;
    into.costs.push(c.cost);
    into.shares.push(e.effective ?? 1);
  }
  const reference = measured.costs.length > 0 ? measured : guessed;
  const referenceMs = Math.max(callQuantile(reference.costs, reference.shares, REFERENCE_QUANTILE) ?? neutral, minRef);
  const scores = new Map<string, Score>();
  for (let k = 0; k < inputs.length; k++) {
    const e = inputs[k]!;
    const c = costs[k];
    if (c === undefined) {
      scores.set(e.address, NO_SCORE);
      continue;
    }
    const ratio = c.cost === undefined ? undefined : c.cost / referenceMs;
    const failing = (e.signals.errorRatio ?? 0) > policy.errorThreshold;
    const degraded = failing || c.customBreaches.length > 0 || (ratio !== undefined && ratio >= DEGRADED_RATIO);
    scores.set(e.address, { cost: c.cost, ratio, failing, degraded, customBreaches: c.customBreaches });
  }
  return { referenceMs, scores };
}
