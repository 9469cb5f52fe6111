/**
 * The closed loop in simulation: five (or more) backends, clients sending a fixed rate
 * split by the served weights, a Prometheus that reports windowed rates a scrape late,
 * and the engine ticking every second. Pure and deterministic.
 */
import type { EndpointSample, ServicePolicy } from '../../../../src/model/index.js';
import { runEngine, INITIAL_ENGINE_STATE, seedState, type EngineState, type ServiceMemory } from '../../../../src/feedback/index.js';
import type { Decision } from '../../../../src/model/index.js';
import { grpcEffectiveWeights } from '../../../../src/xds/resources/index.js';
import { addresses, service, sid, topology } from '../fixtures.js';
import { Backend, QUANTILE, type BackendCondition, type BackendStep } from './queue-model.js';

export interface Scenario {
  /** Seconds to simulate. */
  readonly seconds: number;
  /** Total offered load in requests per second. */
  readonly rate: number;
  /** Each backend's condition at second t. */
  readonly condition: (backend: number, t: number) => BackendCondition;
  readonly policy?: Partial<ServicePolicy>;
  /** Prometheus' rate window in seconds (default 5) and scrape lag (default 1). */
  readonly windowSeconds?: number;
  readonly lagSeconds?: number;
  /** Seconds during which Prometheus answers nothing (the fetch fails). */
  readonly prometheusDown?: (t: number) => boolean;
  readonly backends?: number;
  /** Whether Prometheus also reports CPU: each backend's utilisation over the window, at most 1. */
  readonly cpu?: boolean;
  /** Whether Prometheus also reports each backend's calls in flight (at the window's end). */
  readonly inflight?: boolean;
  /** Whether the clients are proxyless gRPC: near-equal weights share a locality's mean (src/xds). */
  readonly grpc?: boolean;
  /**
   * A new leader takes over before the tick at the end of second `at`: the engine's memory
   * is lost, and the new leader starts from the weights being served (`seeded`, what
   * the control loop does; feedback/takeover.ts) or from a clean state.
   */
  readonly takeover?: { readonly at: number; readonly seeded: boolean };
}

export interface Trace {
  /** shares[t][i]: backend i's share of the traffic during second t. */
  readonly shares: number[][];
  /** weights[t][i]: served weight of backend i after the tick at the end of second t. */
  readonly weights: number[][];
  readonly steps: BackendStep[][];
  readonly decisions: { t: number; decision: Decision }[];
  readonly states: string[][];
  readonly panic: boolean[];
  /** The engine's memory of the service after each tick. */
  readonly memory: ServiceMemory[];
}

export const SERVICE = 'sim';

export function simulate(s: Scenario): Trace {
  const n = s.backends ?? 5;
  const addrs = addresses(n);
  const topo = topology(service(SERVICE, addrs.map((a) => ({ address: a, ports: { http: 8080 }, zone: '', ready: true, serving: true, terminating: false })), s.policy));
  const backends = addrs.map(() => new Backend());
  const window = s.windowSeconds ?? 5;
  const lag = s.lagSeconds ?? 1;
  let state: EngineState = INITIAL_ENGINE_STATE;
  let weights = addrs.map(() => 100);
  const trace: Trace = { shares: [], weights: [], steps: [], decisions: [], states: [], panic: [], memory: [] };
  const t0 = 1_000_000;
  for (let t = 0; t < s.seconds; t++) {
    const served = s.grpc === true ? grpcEffectiveWeights(weights) : weights;
    const sum = served.reduce((a, b) => a + b, 0);
    const shares = served.map((w) => w / sum);
    // Ten sub-steps per second so that backlogs build and drain smoothly.
    const sub: BackendStep[][] = backends.map(() => []);
    for (let k = 0; k < 10; k++) {
      backends.forEach((b, i) => sub[i]!.push(b.step(s.condition(i, t), s.rate * shares[i]!, 100)));
    }
    const steps = sub.map((list) => combine(list));
    trace.shares.push(shares);
    trace.steps.push(steps);
    // Prometheus: the window ending `lag` seconds ago.
    const now = t0 + (t + 1) * 1000;
    const down = s.prometheusDown?.(t) ?? false;
    const map = new Map<string, EndpointSample>();
    const end = t - lag;
    if (end >= 0) {
      addrs.forEach((a, i) => {
        const seen = trace.steps.slice(Math.max(0, end - window + 1), end + 1).map((st) => st[i]!);
        const sample = windowSample(seen, s.cpu ?? false, s.inflight ?? false);
        if (sample) map.set(a, sample);
      });
    }
    if (s.takeover?.at === t) {
      const table = new Map([[sid(SERVICE), new Map(addrs.map((a, i) => [a, weights[i]!]))]]);
      state = s.takeover.seeded ? seedState(topo, table, now) : INITIAL_ENGINE_STATE;
    }
    const out = runEngine({
      topology: topo,
      samples: { at: now, services: new Map([[sid(SERVICE), map]]), failed: new Set(down ? [sid(SERVICE)] : []) },
      state,
      now,
      customSignals: new Map(),
    });
    state = out.state;
    const row = out.table.get(sid(SERVICE))!;
    weights = addrs.map((a) => row.get(a) ?? 1);
    trace.weights.push(weights);
    const report = out.services.get(sid(SERVICE))!;
    trace.states.push(report.endpoints.map((e) => e.state));
    trace.panic.push(report.panic);
    trace.memory.push(out.state.services[sid(SERVICE)]!);
    for (const d of out.decisions) trace.decisions.push({ t, decision: d });
  }
  return trace;
}

function combine(list: BackendStep[]): BackendStep {
  const rate = list.reduce((a, x) => a + x.rate, 0) / list.length;
  const completed = list.reduce((a, x) => a + x.completed, 0) / list.length;
  const tailMs = Math.max(...list.map((x) => x.tailMs));
  const errorRatio = rate > 0 ? list.reduce((a, x) => a + x.rate * x.errorRatio, 0) / (rate * list.length) : 0;
  const utilisation = list.reduce((a, x) => a + x.utilisation, 0) / list.length;
  return { rate, completed, tailMs, errorRatio, utilisation, inflight: list[list.length - 1]!.inflight };
}

/** What histogram_quantile(QUANTILE, rate(..[window])) and friends would say about `seen`. */
function windowSample(seen: BackendStep[], cpu: boolean, inflight: boolean): EndpointSample | undefined {
  const total = seen.reduce((a, x) => a + x.rate, 0);
  if (total <= 0) return undefined;
  // The quantile of the mixture: the slowest second that carries at least 1 − QUANTILE
  // of the window's calls.
  const heavy = seen.filter((x) => x.rate >= (1 - QUANTILE) * total);
  const latencyMs = Math.max(...heavy.map((x) => x.tailMs));
  const errorRatio = seen.reduce((a, x) => a + x.rate * x.errorRatio, 0) / total;
  // A server counts the calls it answers: a backlogged backend answers at its capacity.
  const answered = seen.reduce((a, x) => a + x.completed, 0);
  const requestRate = answered / seen.length;
  return {
    latencyMs,
    errorRatio,
    requestRate,
    ...(cpu ? { cpu: seen.reduce((a, x) => a + Math.min(1, x.utilisation), 0) / seen.length } : {}),
    ...(inflight ? { inflight: seen[seen.length - 1]!.inflight } : {}),
  };
}

/** The p99 the clients see in second t: the slowest backend carrying over 1% of calls. */
export function clientP99(trace: Trace, t: number): number {
  const steps = trace.steps[t]!;
  const shares = trace.shares[t]!;
  let worst = 0;
  steps.forEach((st, i) => {
    if (shares[i]! > 0.01) worst = Math.max(worst, st.tailMs);
  });
  return worst;
}

/** The first second ≥ from where `pred` holds, or undefined. */
export function firstSecond(trace: Trace, from: number, pred: (t: number) => boolean): number | undefined {
  for (let t = from; t < trace.shares.length; t++) if (pred(t)) return t;
  return undefined;
}

/** Number of weight changes (decisions with from/to) of `backend` in seconds [from, to). */
export function weightChanges(trace: Trace, backend: number, from: number, to: number): number {
  const addr = addresses(trace.shares[0]!.length)[backend];
  return trace.decisions.filter((d) => d.t >= from && d.t < to && d.decision.endpoint === addr && d.decision.to !== d.decision.from).length;
}

/** A healthy backend at the loop benchmark's calibration (bench/loop/scenarios.ts DEFAULT_CALIBRATION). */
export const HEALTHY: BackendCondition = { serviceMs: 100, capacity: 2, errorRatio: 0, failFastRatio: 0 };
