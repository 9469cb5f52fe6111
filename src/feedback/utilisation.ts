/**
 * Capacity from CPU: with a CPU signal, an endpoint's capacity is its successful calls a
 * second over its CPU, each window's own, smoothed (the calls a second it would answer at
 * 100%, weighted_round_robin's qps / utilisation; smoothing.ts `capacityStep`). Unlike latency it does not depend on the load the weight sends:
 * an endpoint with half its peers' slots reads half their capacity at any share. The
 * controller caps each endpoint's multiplier at its capacity over the largest peer's, to
 * the power 1 + the tail exponent while the largest have room (no margin: see
 * CAPACITY_EQUAL), the split of the loop benchmark's oracle when every backend is needed;
 * latency still cuts under it. In panic each endpoint is served its capacity over the
 * largest's (`split`). Without a CPU signal nothing here applies.
 */
import { CAPACITY_EQUAL, CAPACITY_MIN_CPU, TAIL_EXPONENT, TAIL_MAX_UTILISATION } from './tuning.js';
import type { SmoothedMemory } from './state.js';

/** One endpoint as capacity sees it. */
export interface CapacityInput {
  readonly signals: SmoothedMemory;
  /** Only current, non-ejected endpoints count. */
  readonly current: boolean;
  readonly ejected: boolean;
}

/**
 * The successful calls a second at 100% CPU that one sample's window says (its calls
 * answered without error over its CPU); undefined without both signals, or under
 * CAPACITY_MIN_CPU. Successful calls only: a backend failing half its calls within a
 * millisecond spends no CPU on them: counting them, it read up to 1.9× its peers'
 * capacity (the loop benchmark's fail-fast).
 */
export function windowCapacity(requestRate: number | undefined, errorRatio: number | undefined, cpu: number | undefined): number | undefined {
  if (cpu === undefined || requestRate === undefined) return undefined;
  if (!(cpu >= CAPACITY_MIN_CPU && cpu < Infinity && requestRate > 0 && requestRate < Infinity)) return undefined;
  const ok = servedRate(requestRate, errorRatio);
  return ok > 0 ? ok / cpu : undefined;
}

/** Calls a second answered without error: `requestRate` less its failed share (an unusable error ratio counts as none). */
export function servedRate(requestRate: number, errorRatio: number | undefined): number {
  const failed = errorRatio !== undefined && Number.isFinite(errorRatio) && errorRatio > 0 ? Math.min(errorRatio, 1) : 0;
  return requestRate * (1 - failed);
}

/** Successful calls a second at 100% CPU, smoothed (see SmoothedMemory.capacity); undefined without a current estimate. */
export function capacityOf(signals: SmoothedMemory): number | undefined {
  const c = signals.capacity;
  return c !== undefined && c > 0 ? c : undefined;
}

/** The capacity ceilings of a service's endpoints (by position), and the largest capacity they are measured against. */
export interface CapacityCeilings {
  readonly ceilings: readonly (number | undefined)[];
  /** Calls a second at 100% of the largest endpoint (0 without ceilings). */
  readonly largest: number;
  /**
   * The multipliers of a panic (by position): each endpoint's capacity over the largest's,
   * the split at which every endpoint is equally busy (undefined, i.e. 1, where the
   * ceiling is). Equal weights are this split for equal endpoints; for unequal ones they
   * send the small ones more than they can serve. In the loop benchmark's mass
   * degradation (three of five backends a third of their capacity, the load the whole
   * capacity left) equal weights sent the slow three 1.8× their capacity, and a backend
   * past its capacity fails almost every call: its queue grows until calls wait out
   * their deadline.
   */
  readonly split: readonly (number | undefined)[];
}

const NONE: CapacityCeilings = Object.freeze({ ceilings: Object.freeze([]), largest: 0, split: Object.freeze([]) });

/**
 * Each endpoint's ceiling (by position): its capacity over the largest of the current,
 * non-ejected endpoints', to the power 1 + the service's tail exponent (`tailExponent`);
 * undefined for an endpoint without an estimate or within CAPACITY_EQUAL of the largest,
 * and for all (empty lists) when fewer than two endpoints have an estimate or all are
 * within CAPACITY_EQUAL. The panic's split likewise, to the power 1.
 */
export function capacityCeilings(endpoints: readonly CapacityInput[]): CapacityCeilings {
  const known = relativeCapacities(endpoints);
  if (known === undefined) return NONE;
  const exponent = 1 + tailExponent(known.present, known.utilisation);
  return {
    ceilings: known.relative.map((r) => (r === undefined ? undefined : ceilingOf(r, exponent))),
    largest: known.largest,
    split: known.relative.map((r) => (r === undefined ? undefined : ceilingOf(r, 1))),
  };
}

/** The estimates of a service's endpoints against the largest; undefined with fewer than two, or all within CAPACITY_EQUAL. */
function relativeCapacities(endpoints: readonly CapacityInput[]):
  | { relative: readonly (number | undefined)[]; present: readonly number[]; largest: number; utilisation: number }
  | undefined {
  let largest = 0;
  let smallest = Infinity;
  let known = 0;
  let rate = 0;
  let capacity = 0;
  for (const e of endpoints) {
    const c = estimate(e);
    if (c === undefined) continue;
    known++;
    largest = Math.max(largest, c);
    smallest = Math.min(smallest, c);
    rate += e.signals.requestRate ?? 0;
    capacity += c;
  }
  // Fewer than two estimates, or all of them equal: nothing to allocate (and no allocation).
  if (known < 2 || smallest >= CAPACITY_EQUAL * largest) return undefined;
  const relative = endpoints.map((e) => {
    const c = estimate(e);
    return c === undefined ? undefined : c / largest;
  });
  const present = relative.filter((r): r is number => r !== undefined);
  return { relative, present, largest, utilisation: rate / capacity };
}

/** The capacity of a current, non-ejected endpoint (others have none that counts). */
function estimate(e: CapacityInput): number | undefined {
  return e.current && !e.ejected ? capacityOf(e.signals) : undefined;
}

/** The ceiling of an endpoint whose capacity is `relative` of the largest: that to the power `exponent`; none within CAPACITY_EQUAL. */
function ceilingOf(relative: number, exponent: number): number | undefined {
  return relative >= CAPACITY_EQUAL ? undefined : Math.pow(relative, exponent);
}

/** The endpoints' multipliers summed when every one with a ceiling sits at it (the others at 1). */
function shareSum(relative: readonly number[], exponent: number): number {
  let sum = 0;
  for (const r of relative) sum += ceilingOf(r, exponent) ?? 1;
  return sum;
}

/**
 * How far under their capacity shares the smaller endpoints are served: up to
 * TAIL_EXPONENT, as long as the largest endpoint's utilisation, were every smaller one at
 * its ceiling, stays at or under TAIL_MAX_UTILISATION (or 0 when it would not even at
 * the capacity shares). `relative` holds each estimated endpoint's capacity over the
 * largest's; `utilisation` is the service's calls over its capacity. At equal
 * utilisation a backend with fewer calls in parallel queues longer (Erlang's C: at 70%
 * busy, a 2-slot backend's calls wait eight times as long as an 8-slot one's), so the
 * clients' tail is lower with the small backends less busy than the large ones, while
 * the large ones have room.
 */
export function tailExponent(relative: readonly number[], utilisation: number): number {
  let total = 0;
  for (const r of relative) total += r;
  // The largest endpoint's utilisation with the smaller ones at ceilings of exponent 1 + a.
  const largestAt = (a: number) => (utilisation * total) / shareSum(relative, 1 + a);
  if (!(utilisation > 0) || !(largestAt(0) < TAIL_MAX_UTILISATION)) return 0;
  if (largestAt(TAIL_EXPONENT) <= TAIL_MAX_UTILISATION) return TAIL_EXPONENT;
  let low = 0;
  let high = TAIL_EXPONENT;
  for (let i = 0; i < 12; i++) {
    const mid = (low + high) / 2;
    if (largestAt(mid) <= TAIL_MAX_UTILISATION) low = mid;
    else high = mid;
  }
  return low;
}
