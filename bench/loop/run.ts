/**
 * The benchmark run: five real backends and a real Prometheus for the whole run; for each
 * scenario and each contender, the scenario played from its first phase with fresh load
 * client processes (and a fresh weir or oracle), the calls recorded, and the figures
 * computed. Every wait is bounded; `estimateSeconds` says how long a run takes.
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import path from 'node:path';
import { stringify } from 'yaml';
import { startBackend, type Backend } from '../../src/demo/backend/index.js';
import { xdsBootstrap } from '../../src/demo/load-driver.js';
import { startPrometheus } from '../../src/demo/prometheus-process.js';
import { clusterName, serviceId, type ServiceKey } from '../../src/model/index.js';
import { analyse, buildTimeline, phaseBounds, type Figures, type RunCalls, type Timeline } from './analysis.js';
import { startClientPool } from './client-pool.js';
import type { CallRecords } from './client-protocol.js';
import { findContenders, peerChannelOptions, type Contender } from './contenders.js';
import { CPU_PROFILE, cpuProfilesText } from './cpu-profile.js';
import {
  BACKEND_COUNT,
  DEFAULT_CALIBRATION,
  SETTLE_S,
  buildScenarios,
  oracleWeights,
  scaleScenario,
  type Calibration,
  type Scenario,
} from './scenarios.js';
import { startSampleRecorder, type RecordedTick, type SampleRecorder } from './sample-recorder.js';
import { startOracle, startWeirContender, type LoggedDecision, type OracleContender, type XdsContender } from './xds-contenders.js';

export interface BenchOptions {
  /** A scenario name, a comma-separated list, or 'all'. */
  readonly scenario: string;
  /** A contender name, a comma-separated list, or 'all'. */
  readonly contender: string;
  /** Multiplies every phase (warm-up included); 1 for the real benchmark. */
  readonly durationScale: number;
  readonly outDir: string;
  readonly clients?: number;
  /** Each call's deadline, ms. */
  readonly deadlineMs?: number;
  readonly calibration?: Calibration;
  /** weir's rate() window, ms. */
  readonly signalWindowMs?: number;
  /** Progress lines. */
  readonly say?: (line: string) => void;
  /** Called with the results so far after each scenario (a long run that dies keeps them). */
  readonly onScenario?: (partial: BenchResult) => Promise<void>;
  /** Record weir's raw samples every second for every contender (for `replay.ts`). */
  readonly recordSamples?: boolean;
}

export interface ContenderResult {
  readonly name: string;
  readonly how: string;
  /**
   * The harness's own health: the p50 of the warm-up (all backends healthy, 60% load)
   * should be near the service time. Far above it, the machine could not keep up (CPU
   * starvation) and the figures measure the machine, not the balancer.
   */
  readonly health: {
    readonly warmUpP50Ms: number | null;
    readonly ok: boolean;
    /**
     * The harness process's event-loop delay over the run, ms (p99, max). The backends
     * answer from this process's timers, so whatever else runs in it (weir, when it runs
     * in-process) delays their answers by up to this much.
     */
    readonly loopDelayMs?: { readonly p99: number; readonly max: number };
  };
  /**
   * The p99 of every call of the warm-up: the balancer's first 30 s under load, before it
   * has learnt anything (weir starts at equal weights). Not in `figures`, which measure
   * the scenario's phases. In the heterogeneous scenario this is what a user enabling the
   * balancer on such a service sees first. Absent from results recorded before it.
   */
  readonly warmUpP99Ms?: number | null;
  readonly figures: Figures;
  readonly timeline: Timeline;
  /** Served weights per second (weir, oracle, round_robin); null where not observable. */
  readonly weights: readonly (readonly number[] | null)[];
  readonly loadAverage: { readonly before: number; readonly after: number };
  readonly wallSeconds: number;
  /** With `recordSamples`: what weir's signals read each second (see sample-recorder.ts). */
  readonly samples?: readonly RecordedTick[];
  /** With `recordSamples`, weir only: its weight decisions, `s` seconds from the start of the load. */
  readonly decisions?: readonly (Omit<LoggedDecision, 'at'> & { readonly s: number })[];
}

export interface ScenarioResult {
  readonly name: string;
  readonly description: string;
  readonly ratePerSecond: number;
  readonly phases: readonly { name: string; startS: number; endS: number; measured: boolean }[];
  readonly faulty: number | null;
  readonly contenders: ContenderResult[];
}

export interface BenchResult {
  readonly meta: Record<string, unknown>;
  readonly scenarios: ScenarioResult[];
}

/** Defaults: three client processes, a 2 s deadline per call, a 5 s signal window. */
export const DEFAULT_CLIENTS = 3;
export const DEFAULT_DEADLINE_MS = 2_000;
export const DEFAULT_SIGNAL_WINDOW_MS = 5_000;
/** Each backend has its own loopback address: weir identifies an endpoint by address. */
const HOST_BASE = 21;
export const SERVICE: ServiceKey = Object.freeze({ namespace: 'bench', name: 'backend' });
const SERVICE_PORT = 50051;
/** Bounded waits. */
const READY_TIMEOUT_MS = 60_000;
const DRAIN_TIMEOUT_MS = 10_000;
/** Prometheus scrapes every backend this often. */
const SCRAPE_INTERVAL_MS = 1_000;
/** Setup and teardown of one contender run (processes, weir), for the estimate, s. */
const SETUP_ESTIMATE_S = 15;

export function selectScenarios(name: string, scale: number, cal: Calibration): Scenario[] {
  const all = buildScenarios(cal);
  const picked = name === 'all' ? all : all.filter((s) => name.split(',').includes(s.name));
  return picked.map((s) => scaleScenario(s, scale));
}

/** The window weir's signals are read over in this run, ms. */
function signalWindowOf(opts: BenchOptions): number {
  return opts.signalWindowMs ?? DEFAULT_SIGNAL_WINDOW_MS;
}

/** Seconds a run takes, roughly: the phases of each scenario per contender, plus set-up. */
export function estimateSeconds(opts: BenchOptions): number {
  const scenarios = selectScenarios(opts.scenario, opts.durationScale, opts.calibration ?? DEFAULT_CALIBRATION);
  const contenders = findContenders(opts.contender).length;
  const deadlineS = (opts.deadlineMs ?? DEFAULT_DEADLINE_MS) / 1000;
  return scenarios.reduce(
    (sum, s) => sum + contenders * (s.phases.reduce((a, p) => a + p.durationS, 0) + deadlineS + SETUP_ESTIMATE_S),
    0,
  );
}

/** A run is flagged when its warm-up p50 exceeds this many service times. */
const HEALTHY_WARM_UP_FACTOR = 3;

/** The q-th percentile (ms) of the completed calls due in [from, to). */
function percentileOf(calls: RunCalls, from: number, to: number, q: number): number | null {
  const xs: number[] = [];
  for (let i = 0; i < calls.scheduledS.length; i += 1) {
    const t = calls.scheduledS[i] ?? -1;
    if (t >= from && t < to && (calls.code[i] ?? -1) !== -1) xs.push(calls.latencyMs[i] ?? 0);
  }
  if (xs.length === 0) return null;
  xs.sort((a, b) => a - b);
  return xs[Math.min(xs.length - 1, Math.floor((q / 100) * xs.length))] ?? null;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function mergeCalls(records: readonly CallRecords[]): RunCalls {
  const total = records.reduce((a, r) => a + r.code.length, 0);
  const out = {
    scheduledS: new Float64Array(total),
    latencyMs: new Float64Array(total),
    backend: new Int8Array(total),
    code: new Int8Array(total),
  };
  let at = 0;
  for (const r of records) {
    for (let i = 0; i < r.code.length; i += 1, at += 1) {
      out.scheduledS[at] = (r.scheduledMs[i] ?? 0) / 1000;
      out.latencyMs[at] = (r.latencyUs[i] ?? 0) / 1000;
      out.backend[at] = r.backend[i] ?? -1;
      out.code[at] = r.code[i] ?? -1;
    }
  }
  return out;
}

async function drain(backends: readonly Backend[]): Promise<void> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  while (Date.now() < deadline && backends.some((b) => b.stats.inflight > 0)) await sleep(50);
}

/** How a weir contender finds its service: the endpoints file, and the profiles file it names a profile of. */
interface WeirFiles {
  readonly endpointsFile: string;
  readonly profilesFile?: string;
}

interface Shared {
  readonly backends: readonly Backend[];
  readonly endpointsFile: string;
  /** For `weir-cpu` (cpu-profile.ts). */
  readonly cpuFiles: WeirFiles;
  readonly prometheusUrl: string;
  readonly opts: BenchOptions;
  /** Whether any contender has sent calls to the backends yet. */
  loaded: boolean;
}

/** One contender through one scenario. */
async function runOne(shared: Shared, scenario: Scenario, contender: Contender): Promise<ContenderResult> {
  const { backends, opts } = shared;
  const say = opts.say ?? (() => undefined);
  const deadlineMs = opts.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const wallStart = Date.now();
  const loadBefore = loadavg()[0] ?? 0;
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  const first = scenario.phases[0]!;
  backends.forEach((b, i) => b.set(first.backends[i]!));
  await drain(backends);
  // weir reads its signals over a window of Prometheus' series, and every contender loads
  // the same backends: started at once, its first ticks would read the previous
  // contender's last seconds (a weir run after a mass degradation cut three healthy
  // backends to 40 for 4 s on the 2.4 s latencies of before). Once a window and two
  // scrapes have passed without calls, it starts as on a quiet service.
  if (contender.kind === 'weir' && shared.loaded) await sleep(signalWindowOf(opts) + 2 * SCRAPE_INTERVAL_MS);
  shared.loaded = true;

  const addresses = backends.map((b) => b.grpcAddress.split(':')[0]!);
  let xds: XdsContender | undefined;
  let oracle: OracleContender | undefined;
  const weirFiles: WeirFiles = contender.cpu === true ? shared.cpuFiles : { endpointsFile: shared.endpointsFile };
  if (contender.kind === 'weir') {
    xds = await startWeirContender({
      ...weirFiles,
      prometheusUrl: shared.prometheusUrl,
      service: SERVICE,
      intervalMs: 1_000,
      signalWindowMs: signalWindowOf(opts),
    });
  } else if (contender.kind === 'oracle') {
    oracle = await startOracle({ endpointsFile: shared.endpointsFile, service: SERVICE, addresses });
    oracle.push(oracleWeights(first.backends, scenario.ratePerSecond));
    xds = oracle;
  }
  const backendPorts: Record<string, number> = {};
  backends.forEach((b, i) => {
    backendPorts[String(b.grpcPort)] = i;
  });

  const timers: NodeJS.Timeout[] = [];
  let sampler: NodeJS.Timeout | undefined;
  const pool = await startClientPool({
    count: opts.clients ?? DEFAULT_CLIENTS,
    target: xds ? `xds:///${clusterName(SERVICE, SERVICE_PORT)}` : `ipv4:${backends.map((b) => b.grpcAddress).join(',')}`,
    channelOptions: xds ? {} : peerChannelOptions(contender),
    backendNames: backends.map((b) => b.name),
    backendPorts,
    ...(xds ? { xdsBootstrap: xdsBootstrap(xds.xdsAddress) } : {}),
    readyTimeoutMs: READY_TIMEOUT_MS,
  }).catch(async (err: unknown) => {
    await xds?.stop();
    throw err;
  });

  const bounds = phaseBounds(scenario);
  const totalS = bounds[bounds.length - 1]?.endS ?? 0;
  const seconds = Math.ceil(totalS);
  const utilSum = Array.from({ length: seconds }, () => new Array<number>(BACKEND_COUNT).fill(0));
  const utilCount = new Array<number>(seconds).fill(0);
  const weights: (number[] | null)[] = new Array<number[] | null>(seconds).fill(null);
  let recorder: SampleRecorder | undefined;
  try {
    const startAt = Date.now() + 1_000;
    loopDelay.enable();
    if (opts.recordSamples) {
      recorder = await startSampleRecorder({
        ...weirFiles,
        prometheusUrl: shared.prometheusUrl,
        signalWindowMs: signalWindowOf(opts),
        serviceId: serviceId(SERVICE),
        startAt,
      });
    }
    scenario.phases.forEach((p, i) => {
      if (i === 0) return;
      const at = startAt + (bounds[i]?.startS ?? 0) * 1000;
      timers.push(
        setTimeout(() => {
          backends.forEach((b, k) => b.set(p.backends[k]!));
          oracle?.push(oracleWeights(p.backends, scenario.ratePerSecond));
          say(`    ${scenario.name}/${contender.name}: phase ${p.name}`);
        }, at - Date.now()),
      );
    });
    sampler = setInterval(() => {
      const s = Math.floor((Date.now() - startAt) / 1000);
      if (s < 0 || s >= seconds) return;
      backends.forEach((b, k) => {
        utilSum[s]![k]! += b.stats.inflight / b.state().capacity;
      });
      utilCount[s]! += 1;
      weights[s] = xds ? xds.servedWeights(addresses) : contender.name === 'round_robin' ? addresses.map(() => 1) : null;
    }, 100);
    const records = await pool.run({ startAtEpochMs: startAt, durationMs: totalS * 1000, ratePerSecond: scenario.ratePerSecond, deadlineMs });
    loopDelay.disable();
    const samples = await recorder?.stop();
    recorder = undefined;
    const calls = mergeCalls(records);
    const utilisation = utilSum.map((row, s) => row.map((u) => u / Math.max(1, utilCount[s] ?? 0)));
    const figures = analyse(scenario, calls, { weights, utilisation }, {
      settleS: SETTLE_S * opts.durationScale,
      holdS: 3,
      spreadWindowS: 5,
    });
    const warm = bounds[0];
    const warmUpP50Ms = warm ? percentileOf(calls, warm.endS / 2, warm.endS, 50) : null;
    return {
      name: contender.name,
      how: contender.how,
      health: {
        warmUpP50Ms,
        ok: warmUpP50Ms !== null && warmUpP50Ms < HEALTHY_WARM_UP_FACTOR * first.backends[0]!.serviceTimeMs,
        loopDelayMs: { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
      },
      warmUpP99Ms: warm ? percentileOf(calls, 0, warm.endS, 99) : null,
      figures,
      timeline: buildTimeline(calls, totalS, BACKEND_COUNT),
      weights,
      loadAverage: { before: loadBefore, after: loadavg()[0] ?? 0 },
      wallSeconds: (Date.now() - wallStart) / 1000,
      ...(samples ? { samples } : {}),
      ...(opts.recordSamples && xds?.decisions ? { decisions: xds.decisions().map(({ at, ...d }) => ({ s: (at - startAt) / 1000, ...d })) } : {}),
    };
  } finally {
    await recorder?.stop();
    for (const t of timers) clearTimeout(t);
    if (sampler) clearInterval(sampler);
    await pool.stop();
    await xds?.stop();
  }
}

/** One backend as the endpoints file lists it. */
export interface FileEndpoint {
  readonly address: string;
  readonly pod: string;
  readonly port: number;
}

/** The endpoints file: one Service, opted in (with the signal profile `profile`, if given), five endpoints. */
export function endpointsFileText(endpoints: readonly FileEndpoint[], profile?: string): string {
  return stringify({
    services: [
      {
        namespace: SERVICE.namespace,
        name: SERVICE.name,
        annotations: { 'weir.dev/enabled': 'true', ...(profile !== undefined ? { 'weir.dev/profile': profile } : {}) },
        ports: [{ name: 'grpc', port: SERVICE_PORT }],
        endpoints: endpoints.map((e) => ({ address: e.address, pod: e.pod, zone: 'local', ports: { grpc: e.port } })),
      },
    ],
  });
}

/** Runs the benchmark; the caller writes the outputs (see report.ts). */
function benchResult(startedAt: string, opts: BenchOptions, cal: Calibration, scenarios: ScenarioResult[]): BenchResult {
  return {
    meta: {
      startedAt,
      finishedAt: new Date().toISOString(),
      durationScale: opts.durationScale,
      calibration: cal,
      clients: opts.clients ?? DEFAULT_CLIENTS,
      deadlineMs: opts.deadlineMs ?? DEFAULT_DEADLINE_MS,
      weir: { intervalMs: 1_000, signalWindowMs: signalWindowOf(opts) },
      prometheusScrapeIntervalMs: SCRAPE_INTERVAL_MS,
      node: process.version,
      latency: 'from each call’s scheduled time to its completion (open loop), every completed call, failed ones included',
    },
    scenarios: [...scenarios],
  };
}

export async function runBenchmark(opts: BenchOptions): Promise<BenchResult> {
  const say = opts.say ?? (() => undefined);
  const cal = opts.calibration ?? DEFAULT_CALIBRATION;
  const scenarios = selectScenarios(opts.scenario, opts.durationScale, cal);
  const contenders = findContenders(opts.contender);
  if (scenarios.length === 0) throw new Error(`no scenario named ${opts.scenario}`);
  if (contenders.length === 0) throw new Error(`no contender named ${opts.contender}`);
  const startedAt = new Date().toISOString();
  await mkdir(opts.outDir, { recursive: true });
  const workDir = await mkdtemp(path.join(tmpdir(), 'weir-bench-'));
  const backends: Backend[] = [];
  let prometheus: Awaited<ReturnType<typeof startPrometheus>> | undefined;
  try {
    for (let i = 0; i < BACKEND_COUNT; i += 1) {
      backends.push(
        await startBackend({
          name: `backend-${i + 1}`,
          host: `127.0.0.${HOST_BASE + i}`,
          serviceTimeMs: cal.serviceTimeMs,
          capacity: cal.capacity,
          orca: true,
        }),
      );
    }
    const fileEndpoints = backends.map((b) => ({ address: b.grpcAddress.split(':')[0]!, pod: b.name, port: b.grpcPort }));
    const endpointsFile = path.join(workDir, 'endpoints.yaml');
    await writeFile(endpointsFile, endpointsFileText(fileEndpoints));
    const cpuFiles = { endpointsFile: path.join(workDir, 'endpoints-cpu.yaml'), profilesFile: path.join(workDir, 'profiles-cpu.yaml') };
    await writeFile(cpuFiles.endpointsFile, endpointsFileText(fileEndpoints, CPU_PROFILE));
    await writeFile(cpuFiles.profilesFile, cpuProfilesText());
    prometheus = await startPrometheus({
      scrapeIntervalMs: SCRAPE_INTERVAL_MS,
      scrapeTargets: backends.map((b) => ({
        address: b.metricsUrl,
        labels: { namespace: SERVICE.namespace, service: SERVICE.name, pod: b.name },
      })),
    });
    const shared: Shared = { backends, endpointsFile, cpuFiles, prometheusUrl: prometheus.url, opts, loaded: false };
    const results: ScenarioResult[] = [];
    for (const scenario of scenarios) {
      const bounds = phaseBounds(scenario);
      const result: ScenarioResult = {
        name: scenario.name,
        description: scenario.description,
        ratePerSecond: scenario.ratePerSecond,
        phases: scenario.phases.map((p, i) => ({ name: p.name, ...bounds[i]!, measured: p.measured })),
        faulty: scenario.faulty ?? null,
        contenders: [],
      };
      for (const contender of contenders) {
        say(`  ${scenario.name}: ${contender.name} (${Math.round(bounds[bounds.length - 1]?.endS ?? 0)} s of load)`);
        result.contenders.push(await runOne(shared, scenario, contender));
      }
      results.push(result);
      await opts.onScenario?.(benchResult(startedAt, opts, cal, results));
    }
    return benchResult(startedAt, opts, cal, results);
  } finally {
    await prometheus?.stop();
    await Promise.all(backends.map((b) => b.stop()));
    await rm(workDir, { recursive: true, force: true });
  }
}
