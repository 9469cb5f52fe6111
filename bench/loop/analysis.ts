/**
 * From the raw record of one contender's run to the figures of BENCHMARK.md: latency
 * percentiles (HDR histograms), error rate, time to react and to recover, stability, and
 * the busiest backend's utilisation and the healthy ones' under a fault; plus per-second
 * timelines for the plot.
 */
import * as hdr from 'hdr-histogram-js';
import type { BackendState } from '../../src/demo/backend/index.js';
import { fairShares, perSecondOf, type Scenario } from './scenarios.js';

/** Every call of a run, merged over the clients. Times in seconds from the run's start. */
export interface RunCalls {
  readonly scheduledS: Float64Array;
  readonly latencyMs: Float64Array;
  readonly backend: Int8Array;
  /** gRPC status code; -1 for a call that never completed. */
  readonly code: Int8Array;
}

/** What the harness observed besides the calls. */
export interface RunObservations {
  /** Served weights per second (index = second), per backend; null where not observable. */
  readonly weights: readonly (readonly number[] | null)[];
  /** Mean in-flight / capacity per second, per backend (queued calls included). */
  readonly utilisation: readonly (readonly number[])[];
}

export interface PhaseFigures {
  readonly name: string;
  readonly startS: number;
  readonly endS: number;
  readonly calls: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly errorRate: number | null;
  readonly shares: readonly number[];
  /** Mean in-flight / capacity per backend over the phase. */
  readonly utilisation: readonly number[];
}

export interface Figures {
  readonly calls: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly p999Ms: number | null;
  /**
   * p99 of the successful calls alone. The p99 above counts every completed call, failed
   * ones included (what the client waited for), so a balancer that keeps a backend whose
   * calls fail within a millisecond has fast calls in its tail's denominator; this one does
   * not. Absent in results recorded before it.
   */
  readonly okP99Ms?: number | null;
  readonly errorRate: number | null;
  /** Seconds from each fault's start until the faulty backend's share stays under half its fair share (null: never). */
  readonly reactS: readonly (number | null)[];
  /** Seconds from each heal until its share is back within 20% of fair (null: never). */
  readonly recoverS: readonly (number | null)[];
  /** Changes of the served weights per minute over the measured phases; null when the weights are not observable. */
  readonly weightChangesPerMin: number | null;
  /** Largest standard deviation of a backend's share over 5 s windows in the steady part of steady phases. */
  readonly shareSpread: number | null;
  /** Highest mean in-flight / capacity of any backend in any measured phase (>1: it queued). */
  readonly busiestUtilisation: number | null;
  /**
   * Highest mean in-flight / capacity, over the fault phases, of a backend that is healthy
   * there (as in the warm-up): the receivers of the shift. BENCHMARK.md's "no healthy
   * backend pushed past its capacity" in mass degradation is this under 1. Null without
   * fault phases.
   */
  readonly healthyUtilisation: number | null;
  /**
   * Highest calls a second sent to a backend healthy in a fault phase, over the calls a
   * second it can serve (its capacity), over the fault phases: over 1, it was pushed past
   * its capacity. Unlike `healthyUtilisation`, queueing does not count: at 95% of its
   * capacity a backend's in-flight calls are several times its slots (Erlang's C), which
   * that figure reads as overloaded. Null without fault phases.
   */
  readonly healthyLoad?: number | null;
  readonly phases: readonly PhaseFigures[];
}

export interface Timeline {
  /** Second index from the start of the run. */
  readonly second: readonly number[];
  /** Share of calls per backend in each second. */
  readonly shares: readonly (readonly number[])[];
  /** p99 latency of the calls due in each second, ms (null: no calls). */
  readonly p99Ms: readonly (number | null)[];
  readonly errorRate: readonly (number | null)[];
}

export interface AnalysisOptions {
  /** Part of a phase from its start that is not steady, seconds. */
  readonly settleS: number;
  /** Window for "stays under / back within", seconds. */
  readonly holdS: number;
  /** Window of the share spread, seconds. */
  readonly spreadWindowS: number;
}

const newHistogram = (): hdr.Histogram =>
  hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });

/** Phase boundaries in seconds from the run's start. */
export function phaseBounds(scenario: Scenario): { startS: number; endS: number }[] {
  let t = 0;
  return scenario.phases.map((p) => {
    const b = { startS: t, endS: t + p.durationS };
    t += p.durationS;
    return b;
  });
}

function sharesIn(calls: RunCalls, from: number, to: number, n: number): { shares: number[]; total: number } {
  const counts = new Array<number>(n).fill(0);
  let total = 0;
  for (let i = 0; i < calls.scheduledS.length; i += 1) {
    const t = calls.scheduledS[i] ?? -1;
    if (t < from || t >= to) continue;
    total += 1;
    const b = calls.backend[i] ?? -1;
    if (b >= 0 && b < n) counts[b] = (counts[b] ?? 0) + 1;
  }
  return { shares: counts.map((c) => (total > 0 ? c / total : 0)), total };
}

function latencyFigures(calls: RunCalls, from: number, to: number): { n: number; h: hdr.Histogram; ok: hdr.Histogram; errors: number } {
  const h = newHistogram();
  const ok = newHistogram();
  let n = 0;
  let errors = 0;
  for (let i = 0; i < calls.scheduledS.length; i += 1) {
    const t = calls.scheduledS[i] ?? -1;
    if (t < from || t >= to) continue;
    n += 1;
    const code = calls.code[i] ?? -1;
    if (code !== 0) errors += 1;
    // Every completed call counts in the latency, failed ones included: it is what the
    // client waited for (a timed-out call at its full deadline).
    if (code === -1) continue;
    const us = Math.max(1, Math.round((calls.latencyMs[i] ?? 0) * 1000));
    h.recordValue(us);
    if (code === 0) ok.recordValue(us);
  }
  return { n, h, ok, errors };
}

const pct = (h: hdr.Histogram, q: number): number | null => (h.totalCount > 0 ? h.getValueAtPercentile(q) / 1000 : null);

const mean = (xs: readonly number[]): number => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

function stdDev(xs: readonly number[]): number {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
}

/** Per-second shares, p99 and error rate over the whole run. */
export function buildTimeline(calls: RunCalls, totalS: number, n: number): Timeline {
  const seconds = Math.ceil(totalS);
  const second: number[] = [];
  const shares: number[][] = [];
  const p99Ms: (number | null)[] = [];
  const errorRate: (number | null)[] = [];
  for (let s = 0; s < seconds; s += 1) {
    second.push(s);
    shares.push(sharesIn(calls, s, s + 1, n).shares);
    const l = latencyFigures(calls, s, s + 1);
    p99Ms.push(pct(l.h, 99));
    errorRate.push(l.n > 0 ? l.errors / l.n : null);
  }
  return { second, shares, p99Ms, errorRate };
}

/** First t in [from, to − hold] (1 s steps) at which `ok(share over [t, t + hold))` holds; seconds after `from`. */
function firstHolding(calls: RunCalls, backend: number, n: number, from: number, to: number, hold: number, ok: (share: number) => boolean): number | null {
  const h = Math.min(hold, to - from);
  for (let t = from; t + h <= to + 1e-9; t += 1) {
    const { shares, total } = sharesIn(calls, t, t + h, n);
    if (total > 0 && ok(shares[backend] ?? 0)) return Math.round((t - from) * 10) / 10;
  }
  return null;
}

/** The figures of one contender's run of `scenario`. */
export function analyse(scenario: Scenario, calls: RunCalls, obs: RunObservations, opts: AnalysisOptions): Figures {
  const n = scenario.phases[0]?.backends.length ?? 0;
  const bounds = phaseBounds(scenario);
  const measured = scenario.phases.map((p, i) => ({ p, b: bounds[i]! })).filter((x) => x.p.measured);
  const from = measured[0]?.b.startS ?? 0;
  const to = measured[measured.length - 1]?.b.endS ?? 0;
  const all = latencyFigures(calls, from, to);

  const phases: PhaseFigures[] = measured.map(({ p, b }) => {
    const l = latencyFigures(calls, b.startS, b.endS);
    const secs = obs.utilisation.slice(Math.floor(b.startS), Math.ceil(b.endS));
    return {
      name: p.name,
      startS: b.startS,
      endS: b.endS,
      calls: l.n,
      p50Ms: pct(l.h, 50),
      p99Ms: pct(l.h, 99),
      errorRate: l.n > 0 ? l.errors / l.n : null,
      shares: sharesIn(calls, b.startS, b.endS, n).shares,
      utilisation: Array.from({ length: n }, (_, i) => mean(secs.map((u) => u[i] ?? 0))),
    };
  });

  const reactS: (number | null)[] = [];
  const recoverS: (number | null)[] = [];
  if (scenario.faulty !== undefined) {
    const f = scenario.faulty;
    scenario.phases.forEach((p, i) => {
      if (!p.fault || !p.measured) return;
      const healthyBefore = scenario.phases[i - 1]?.backends ?? p.backends;
      const fair = fairShares(healthyBefore)[f] ?? 0;
      const b = bounds[i]!;
      reactS.push(firstHolding(calls, f, n, b.startS, b.endS, opts.holdS, (s) => s < 0.5 * fair));
      const next = scenario.phases[i + 1];
      const nb = bounds[i + 1];
      if (next && nb && !next.fault) {
        recoverS.push(firstHolding(calls, f, n, nb.startS, nb.endS, opts.holdS, (s) => Math.abs(s - fair) <= 0.2 * fair));
      }
    });
  }

  const observed = obs.weights.slice(Math.floor(from), Math.ceil(to));
  let changes = 0;
  let observable = observed.length > 0;
  for (let i = 1; i < observed.length; i += 1) {
    const a = observed[i - 1];
    const c = observed[i];
    if (!a || !c) {
      observable = false;
      break;
    }
    if (a.some((w, k) => w !== c[k])) changes += 1;
  }

  const spreads: number[] = [];
  for (const { p, b } of measured) {
    if (!p.steady) continue;
    const windows: number[][] = [];
    for (let t = b.startS + opts.settleS; t + opts.spreadWindowS <= b.endS + 1e-9; t += opts.spreadWindowS) {
      windows.push(sharesIn(calls, t, t + opts.spreadWindowS, n).shares);
    }
    if (windows.length < 2) continue;
    for (let k = 0; k < n; k += 1) spreads.push(stdDev(windows.map((w) => w[k] ?? 0)));
  }

  const utils = phases.flatMap((p) => p.utilisation);
  const nominal = scenario.phases[0]?.backends ?? [];
  const healthyUtils: number[] = [];
  const healthyLoads: number[] = [];
  measured.forEach(({ p }, i) => {
    if (!p.fault) return;
    const figures = phases[i]!;
    const perSecond = figures.calls / Math.max(1e-9, figures.endS - figures.startS);
    p.backends.forEach((state, k) => {
      if (!sameState(state, nominal[k])) return;
      healthyUtils.push(figures.utilisation[k] ?? 0);
      healthyLoads.push(((figures.shares[k] ?? 0) * perSecond) / perSecondOf(state));
    });
  });
  return {
    calls: all.n,
    p50Ms: pct(all.h, 50),
    p99Ms: pct(all.h, 99),
    p999Ms: pct(all.h, 99.9),
    okP99Ms: pct(all.ok, 99),
    errorRate: all.n > 0 ? all.errors / all.n : null,
    reactS,
    recoverS,
    weightChangesPerMin: observable && to > from ? (changes * 60) / (to - from) : null,
    shareSpread: spreads.length > 0 ? Math.max(...spreads) : null,
    busiestUtilisation: utils.length > 0 ? Math.max(...utils) : null,
    healthyUtilisation: healthyUtils.length > 0 ? Math.max(...healthyUtils) : null,
    healthyLoad: healthyLoads.length > 0 ? Math.max(...healthyLoads) : null,
    phases,
  };
}

function sameState(a: BackendState, b: BackendState | undefined): boolean {
  return b !== undefined && a.serviceTimeMs === b.serviceTimeMs && a.capacity === b.capacity && a.errorRate === b.errorRate && a.failFast === b.failFast;
}
