/**
 * The MetricsSource of the control loop, backed by a Prometheus-compatible query API.
 *
 * Per tick: the services are grouped by profile; each profile runs ONE query per signal
 * for all its services (templates expand `{{namespace}}`/`{{service}}` to alternations),
 * with at most `concurrency` queries in flight; the answers are joined to endpoints.
 * A failed query marks the services of its profile as failed (their data is stale); it
 * never rejects. NaN, ±Inf, empty answers and series of unknown pods are "no data".
 */
import { Counter, Histogram, Registry } from 'prom-client';
import type { Logger } from '../lib/log.js';
import { silentLogger } from '../lib/log.js';
import type { CustomSignalSpec, EndpointSample, Samples, Service, Topology } from '../model/index.js';
import { serviceId } from '../model/index.js';
import { EndpointIndex } from './endpoint-join.js';
import type { PrometheusClient } from './prometheus-client.js';
import type { ProfileSignal, Profiles, SignalProfile, StandardSignal } from './profile-types.js';
import { isPromqlDuration, renderTemplate } from './promql-template.js';
import { PrometheusQueryError, type InstantVector, type QueryFailureReason } from './query-answer.js';

/** Options of {@link PrometheusMetricsSource}. */
export interface PrometheusMetricsSourceOptions {
  readonly client: PrometheusClient;
  readonly profiles: Profiles;
  /** The `{{window}}` of the queries, in ms (default 30 000). Ignored when `window` is set. */
  readonly windowMs?: number;
  /** The `{{window}}` as a PromQL duration, e.g. `10s`. */
  readonly window?: string;
  /** Largest number of queries in flight at once (default 4). */
  readonly concurrency?: number;
  readonly log?: Logger;
  /** Where the query metrics go; a private registry when absent. */
  readonly registry?: Registry;
}

/** A problem the operator should see, about one service (e.g. an unknown profile). */
export interface SignalProblem {
  readonly serviceId: string;
  readonly profile: string;
  readonly message: string;
}

type MutableSample = { -readonly [K in keyof EndpointSample]: EndpointSample[K] };
type NumericField = 'latencyMs' | 'errorRatio' | 'requestRate' | 'inflight' | 'cpu' | 'memory';

/** Where each standard signal goes in an EndpointSample. */
const SAMPLE_FIELD: Readonly<Record<StandardSignal, NumericField>> = {
  latency: 'latencyMs',
  errorRatio: 'errorRatio',
  requestRate: 'requestRate',
  inflight: 'inflight',
  cpu: 'cpu',
  memory: 'memory',
};

/** A PromQL duration for `ms`: whole seconds as `30s`, anything else as `1500ms`. */
export function promqlDuration(ms: number): string {
  if (!Number.isInteger(ms) || ms <= 0) throw new RangeError(`window must be a positive integer of ms: ${ms}`);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** See the file comment. */
export class PrometheusMetricsSource {
  private readonly client: PrometheusClient;
  private readonly profiles: Profiles;
  private readonly window: string;
  private readonly concurrency: number;
  private readonly log: Logger;
  private readonly duration: Histogram<'profile' | 'signal'>;
  private readonly errors: Counter<'profile' | 'signal' | 'reason'>;
  private readonly customByProfile = new Map<string, Map<string, CustomSignalSpec>>();
  private lastProblems: readonly SignalProblem[] = [];
  /** Problems already logged (serviceId + profile), so each is logged once. */
  private readonly loggedProblems = new Set<string>();
  private indexes: { topology?: Topology; byProfile: Map<string, EndpointIndex> } = { byProfile: new Map() };
  /** Signals whose last query failed (`profile/signal`), to log transitions only. */
  private readonly failing = new Set<string>();

  constructor(options: PrometheusMetricsSourceOptions) {
    this.client = options.client;
    this.profiles = options.profiles;
    this.window = options.window ?? promqlDuration(options.windowMs ?? 30_000);
    if (!isPromqlDuration(this.window)) throw new RangeError(`window is not a PromQL duration: ${this.window}`);
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.log = options.log ?? silentLogger();
    const registry = options.registry ?? new Registry();
    this.duration = metric(
      registry,
      'weir_prometheus_query_duration_seconds',
      () =>
        new Histogram({
          name: 'weir_prometheus_query_duration_seconds',
          help: 'Duration of the Prometheus queries of the signal profiles, failed ones included.',
          labelNames: ['profile', 'signal'],
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
          registers: [registry],
        }),
    );
    this.errors = metric(
      registry,
      'weir_prometheus_query_errors_total',
      () =>
        new Counter({
          name: 'weir_prometheus_query_errors_total',
          help: 'Failed Prometheus queries, by reason (timeout, aborted, unreachable, http-status, bad-response).',
          labelNames: ['profile', 'signal', 'reason'],
          registers: [registry],
        }),
    );
    for (const [name, p] of this.profiles) this.customByProfile.set(name, new Map(p.custom.map((c) => [c.name, c])));
  }

  /**
   * Problems found by the last fetch, sorted by serviceId: services whose profile does not
   * exist (they get no data). Each problem is also logged once.
   */
  problems(): readonly SignalProblem[] {
    return this.lastProblems;
  }

  /** Fetch the samples of every service of `topology` (see the file comment). Never rejects. */
  async fetch(topology: Topology, now: number, signal?: AbortSignal): Promise<Samples> {
    const byProfile = new Map<string, Service[]>();
    const problems: SignalProblem[] = [];
    for (const id of [...topology.services.keys()].sort()) {
      const svc = topology.services.get(id)!;
      const name = svc.policy.profile;
      if (!this.profiles.has(name)) {
        problems.push({ serviceId: id, profile: name, message: `no signal profile named "${name}": the service gets no signals` });
        continue;
      }
      const list = byProfile.get(name);
      if (list) list.push(svc);
      else byProfile.set(name, [svc]);
    }
    this.reportProblems(problems);

    const results = new Map<string, Map<string, MutableSample>>();
    const failed = new Set<string>();
    const tasks: Array<() => Promise<void>> = [];
    for (const [name, services] of [...byProfile].sort(([a], [b]) => cmp(a, b))) {
      const profile = this.profiles.get(name)!;
      const index = this.indexFor(topology, name, services);
      for (const svc of services) results.set(serviceId(svc.key), new Map());
      const ids = services.map((s) => serviceId(s.key));
      const namespaces = services.map((s) => s.key.namespace);
      const names = services.map((s) => s.key.name);
      for (const sig of profile.signals) {
        tasks.push(async () => {
          const answer = await this.run(profile, sig, namespaces, names, signal);
          if (answer !== undefined) {
            try {
              this.join(profile, sig, answer, index, results);
              return;
            } catch (err) {
              // A bug here must cost this tick's data of one profile, not the loop.
              this.log.error({ profile: name, signal: sig.id, err }, 'cannot join a signal answer');
            }
          }
          for (const id of ids) failed.add(id);
        });
      }
    }
    await runBounded(tasks, this.concurrency);

    const services = new Map<string, ReadonlyMap<string, EndpointSample>>();
    for (const [id, endpoints] of [...results].sort(([a], [b]) => cmp(a, b))) {
      // A failed service's partial data is dropped: the engine treats it as stale as a whole.
      if (failed.has(id)) continue;
      services.set(id, new Map([...endpoints].sort(([a], [b]) => cmp(a, b))));
    }
    // Sorted: queries finish in any order, and identical inputs must give identical output.
    return { at: now, services, failed: new Set([...failed].sort()) };
  }

  /**
   * The endpoint index of a profile's services. Topologies are immutable, so the indexes
   * built for the previous topology object are reused until discovery sends a new one.
   */
  private indexFor(topology: Topology, profile: string, services: readonly Service[]): EndpointIndex {
    if (this.indexes.topology !== topology) this.indexes = { topology, byProfile: new Map() };
    let index = this.indexes.byProfile.get(profile);
    if (!index) {
      index = new EndpointIndex(services);
      this.indexes.byProfile.set(profile, index);
    }
    return index;
  }

  /** Run one query; undefined when it failed (counted and logged). */
  private async run(
    profile: SignalProfile,
    sig: ProfileSignal,
    namespaces: readonly string[],
    services: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<InstantVector | undefined> {
    const labels = { profile: profile.name, signal: sig.id };
    const key = `${profile.name}/${sig.id}`;
    let query: string;
    try {
      query = renderTemplate(sig.template, {
        namespace: namespaces,
        service: services,
        namespaceLabel: sig.labels.namespace || 'namespace',
        serviceLabel: sig.labels.service || 'service',
        endpointLabel: sig.labels.endpoint,
        window: sig.window ?? this.window,
        quantile: profile.quantile,
      });
    } catch (err) {
      // Cannot happen with validated profiles; counted like a bad answer rather than thrown.
      this.errors.inc({ ...labels, reason: 'bad-response' });
      this.log.error({ profile: profile.name, signal: sig.id, err }, 'cannot render a signal query');
      return undefined;
    }
    const stop = this.duration.startTimer(labels);
    try {
      const answer = await this.client.query(query, signal ? { signal } : {});
      stop();
      if (this.failing.delete(key)) this.log.info({ profile: profile.name, signal: sig.id }, 'signal query recovered');
      if (answer.warnings.length > 0) {
        this.log.debug({ profile: profile.name, signal: sig.id, warnings: answer.warnings }, 'Prometheus warnings');
      }
      return answer;
    } catch (err) {
      stop();
      const reason: QueryFailureReason = err instanceof PrometheusQueryError ? err.reason : 'unreachable';
      this.errors.inc({ ...labels, reason });
      const fields = { profile: profile.name, signal: sig.id, reason, err: err instanceof Error ? err.message : String(err) };
      // Log the first failure of a series of failures at warn, the rest at debug: a
      // Prometheus outage must not write a warning per signal per tick.
      if (this.failing.has(key)) this.log.debug(fields, 'signal query failed');
      else this.log.warn({ ...fields, query }, 'signal query failed; the services of this profile keep their last data');
      this.failing.add(key);
      return undefined;
    }
  }

  private join(
    profile: SignalProfile,
    sig: ProfileSignal,
    answer: InstantVector,
    index: EndpointIndex,
    results: Map<string, Map<string, MutableSample>>,
  ): void {
    const spec = sig.kind === 'custom' ? this.customByProfile.get(profile.name)?.get(sig.name) : undefined;
    for (const series of answer.samples) {
      const value = clean(sig, series.value);
      if (value === undefined) continue;
      for (const target of index.match(series.labels, sig.labels)) {
        const endpoints = results.get(target.serviceId)!;
        let sample = endpoints.get(target.address);
        if (!sample) {
          sample = {};
          endpoints.set(target.address, sample);
        }
        if (sig.kind === 'custom') {
          const custom = { ...sample.custom };
          const prev = custom[sig.name];
          custom[sig.name] = prev === undefined ? value : spec?.direction === 'higher-is-better' ? Math.min(prev, value) : Math.max(prev, value);
          sample.custom = custom;
        } else {
          const field = SAMPLE_FIELD[sig.kind];
          const prev = sample[field];
          // Several series for one endpoint (a template that does not aggregate fully):
          // rates and calls in flight add up; for the other signals the worst value wins.
          const adds = sig.kind === 'requestRate' || sig.kind === 'inflight';
          sample[field] = prev === undefined ? value : adds ? prev + value : Math.max(prev, value);
        }
      }
    }
  }

  private reportProblems(problems: readonly SignalProblem[]): void {
    const current = new Set<string>();
    for (const p of problems) {
      const key = `${p.serviceId}\u0000${p.profile}`;
      current.add(key);
      if (!this.loggedProblems.has(key)) this.log.warn({ service: p.serviceId, profile: p.profile }, p.message);
    }
    this.loggedProblems.clear();
    for (const k of current) this.loggedProblems.add(k);
    this.lastProblems = Object.freeze([...problems]);
  }
}

/** The value of a series as the signal's unit, or undefined for "no data". */
function clean(sig: ProfileSignal, raw: number): number | undefined {
  if (!Number.isFinite(raw)) return undefined;
  const value = raw * sig.scale;
  if (sig.kind === 'custom') return value;
  // Negative latencies, rates or utilisations cannot be: no data rather than good data.
  if (value < 0) return undefined;
  // Rate extrapolation can push a ratio a little past 1.
  return sig.kind === 'errorRatio' ? Math.min(1, value) : value;
}

function metric<T>(registry: Registry, name: string, create: () => T): T {
  // A registry shared by two sources (tests, restarts) keeps one metric of each name.
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

/** Run `tasks` with at most `limit` at once; resolves when all have settled. */
async function runBounded(tasks: ReadonlyArray<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
