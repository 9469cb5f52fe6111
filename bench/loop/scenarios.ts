/**
 * The scenarios of shared/BENCHMARK.md, as scripts the harness plays: phases with a
 * duration and the state of each of the five backends, plus the oracle's weights for each
 * phase. Kept as written there: add scenarios, never soften one.
 */
import type { BackendState } from '../../src/demo/backend/index.js';
import { tailExponent } from '../../src/feedback/utilisation.js';

/**
 * Calibration (stated in RESULTS-loop.md): by default a backend serves 2 calls at once
 * with a 100 ms mean service time, so 20 calls/s; five of them 100 calls/s; 60% of that
 * is 60 calls/s of load. That is far less than the "few hundred calls/s" one would like:
 * on the shared two-core machine (load average 15–20 while nine engineers run their
 * suites) the harness's own processes are starved of CPU above that, and the figures
 * then measure the machine, not the balancer. A 100 ms service time also stays well
 * above the scheduling noise of a busy machine. `--service-time-ms` and `--capacity`
 * change it on a quieter machine.
 */
export interface Calibration {
  /** Mean service time of a healthy backend, ms. */
  readonly serviceTimeMs: number;
  /** Calls a (relative capacity 1) backend serves at once. */
  readonly capacity: number;
}

export const DEFAULT_CALIBRATION: Calibration = Object.freeze({ serviceTimeMs: 100, capacity: 2 });
export const BACKEND_COUNT = 5;
/** Warm-up before the measured phases (BENCHMARK.md: 30 s), in seconds. */
export const WARM_UP_S = 30;
/**
 * Part of a phase, from its start, not counted as steady when measuring the spread of the
 * shares: the time any balancer is allowed to settle, in seconds.
 */
export const SETTLE_S = 20;

/** One phase: how long it lasts and each backend's state (index 0 is backend-1). */
export interface Phase {
  readonly name: string;
  readonly durationS: number;
  /** Measured phases count in the figures; the warm-up does not. */
  readonly measured: boolean;
  /** The backends' states during the phase. */
  readonly backends: readonly BackendState[];
  /** True when the phase is a fault (for time to react); the next non-fault phase is a heal. */
  readonly fault: boolean;
  /** Nothing changes during the phase, so shares should settle (stability is measured after SETTLE_S). */
  readonly steady: boolean;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** Load in calls per second. */
  readonly ratePerSecond: number;
  readonly phases: readonly Phase[];
  /** Index of the backend that faults, when one does (for time to react and recover). */
  readonly faulty?: number;
}

function phase(name: string, durationS: number, backends: BackendState[], fault: boolean, steady = true): Phase {
  return { name, durationS, measured: true, backends, fault, steady };
}

function warmUp(backends: BackendState[]): Phase {
  return { name: 'warm-up', durationS: WARM_UP_S, measured: false, backends, fault: false, steady: false };
}

function withBackend(states: BackendState[], index: number, change: Partial<BackendState>): BackendState[] {
  return states.map((s, i) => (i === index ? { ...s, ...change } : s));
}

/** Calls per second one backend serves at most. */
export function perSecondOf(s: BackendState): number {
  return (s.capacity * 1000) / s.serviceTimeMs;
}

/** Total capacity in calls per second of a set of backend states. */
export function capacityPerSecond(states: readonly BackendState[]): number {
  return states.reduce((sum, s) => sum + perSecondOf(s), 0);
}

/** Backend 3 (index 2) is the one that faults. */
const B3 = 2;

/** Every scenario of BENCHMARK.md, in its order, for a calibration. */
export function buildScenarios(cal: Calibration = DEFAULT_CALIBRATION): Scenario[] {
  const healthy = (relative = 1): BackendState => ({
    serviceTimeMs: cal.serviceTimeMs,
    capacity: relative * cal.capacity,
    errorRate: 0,
    failFast: false,
  });
  const allHealthy = (): BackendState[] => Array.from({ length: BACKEND_COUNT }, () => healthy());
  const baseTotal = capacityPerSecond(allHealthy());
  const slow = { serviceTimeMs: 5 * cal.serviceTimeMs };

  const faultThenHeal = (name: string, description: string, change: Partial<BackendState>): Scenario => ({
    name,
    description,
    ratePerSecond: 0.6 * baseTotal,
    faulty: B3,
    phases: [
      warmUp(allHealthy()),
      phase('fault', 60, withBackend(allHealthy(), B3, change), true),
      phase('healed', 30, allHealthy(), false),
    ],
  });

  const flappingPhases: Phase[] = [warmUp(allHealthy())];
  for (let i = 0; i < 12; i += 1) {
    const isSlow = i % 2 === 0;
    flappingPhases.push(
      phase(
        isSlow ? `slow-${i / 2 + 1}` : `healthy-${(i + 1) / 2}`,
        10,
        isSlow ? withBackend(allHealthy(), B3, slow) : allHealthy(),
        isSlow,
        false,
      ),
    );
  }

  const hetero = [1, 1, 2, 4, 4].map((c) => healthy(c));
  const heterogeneousAt = (name: string, load: number): Scenario => ({
    name,
    description: `capacities 1, 1, 2, 4, 4 (relative), load at ${Math.round(100 * load)}% of the total, 120 s steady`,
    ratePerSecond: load * capacityPerSecond(hetero),
    phases: [warmUp(hetero), phase('steady', 120, hetero, false)],
  });
  const degraded = allHealthy().map((s, i) => (i < 3 ? { ...s, serviceTimeMs: 3 * cal.serviceTimeMs } : s));

  return [
    faultThenHeal('slow-backend', "backend 3's service time ×5 for 60 s, then healed for 30 s", slow),
    faultThenHeal('error-backend', 'backend 3 fails 30% of calls (UNAVAILABLE) for 60 s, then healed for 30 s', {
      errorRate: 0.3,
    }),
    faultThenHeal('fail-fast', 'backend 3 fails 50% of calls within 1 ms for 60 s, then healed for 30 s', {
      errorRate: 0.5,
      failFast: true,
    }),
    heterogeneousAt('heterogeneous', 0.7),
    // Beyond BENCHMARK.md: the heterogeneous service near its capacity, where the cold
    // start's cuts push the large backends past theirs and the service panics (session 22).
    heterogeneousAt('heterogeneous-hot', 0.8),
    {
      name: 'mass-degradation',
      description: 'backends 1–3 ×3 slower for 60 s, load at 60% of the original total',
      ratePerSecond: 0.6 * baseTotal,
      phases: [warmUp(allHealthy()), phase('degraded', 60, degraded, true)],
    },
    {
      name: 'flapping',
      description: 'backend 3 alternates ×5 slow and healthy every 10 s for 120 s',
      ratePerSecond: 0.6 * baseTotal,
      faulty: B3,
      phases: flappingPhases,
    },
  ];
}

/** A scenario with every phase (warm-up included) shortened by `scale` (e.g. 0.1 for a smoke run). */
export function scaleScenario(s: Scenario, scale: number): Scenario {
  return { ...s, phases: s.phases.map((p) => ({ ...p, durationS: p.durationS * scale })) };
}

/** Each backend's fair share of the calls in a phase: proportional to its capacity per second. */
export function fairShares(states: readonly BackendState[]): number[] {
  const total = capacityPerSecond(states);
  return states.map((s) => perSecondOf(s) / total);
}

/** The largest integer weight the oracle hands out; the floor is 1. */
const ORACLE_SCALE = 1000;

/** A backend whose mean service time is over this many times the fastest one's is slow. */
const ORACLE_SLOW_FACTOR = 2;
/** The others may take a slow backend's share when this keeps them at or under this utilisation. */
const ORACLE_MAX_UTILISATION = 0.8;

/**
 * The oracle's static weights for a phase at `ratePerSecond`:
 * - the floor (1) for a backend that fails any share of its calls (every call sent there
 *   is a failure the client could have avoided);
 * - the floor for a slow backend (ORACLE_SLOW_FACTOR × the fastest service time) when the
 *   others can carry the whole load at ORACLE_MAX_UTILISATION or less: each of its calls
 *   is among the clients' slowest, so even a capacity-fair share of them sets the p99
 *   (the first version of this oracle gave it that share, and weir's p99 in the
 *   slow-backend scenario came out 0.7× the "oracle"'s);
 * - otherwise by capacity per second, the smaller backends under their capacity shares
 *   as far as the largest ones have room: (capacity over the largest's)^(1 + the tail
 *   exponent weir's capacity ceilings use, src/feedback/utilisation.ts). A backend that
 *   serves fewer calls at once queues longer at the same utilisation: in the
 *   heterogeneous scenario, weights proportional to capacity (equal utilisation, this
 *   oracle until 6 December) gave a p99 of 220 ms, these 186 ms.
 */
export function oracleWeights(states: readonly BackendState[], ratePerSecond: number): number[] {
  const perSecond = states.map(perSecondOf);
  const fastest = Math.min(...states.map((s) => s.serviceTimeMs));
  const slow = states.map((s) => s.serviceTimeMs > ORACLE_SLOW_FACTOR * fastest);
  const kept = capacityPerSecond(states.filter((s, i) => s.errorRate === 0 && !slow[i]));
  const shunSlow = kept > 0 && ratePerSecond <= ORACLE_MAX_UTILISATION * kept;
  const shunned = states.map((s, i) => s.errorRate > 0 || (shunSlow && slow[i]));
  const served = perSecond.filter((_, i) => !shunned[i]);
  const best = Math.max(...served);
  const total = served.reduce((sum, p) => sum + p, 0);
  const exponent = 1 + tailExponent(served.map((p) => p / best), ratePerSecond / total);
  return states.map((_, i) => (shunned[i] ? 1 : Math.max(1, Math.round(ORACLE_SCALE * Math.pow((perSecond[i] ?? 0) / best, exponent)))));
}
