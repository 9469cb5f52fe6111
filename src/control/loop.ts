/**
 * The control loop: it ticks, gathers samples, runs the engine and publishes the
 * result. Level-triggered: every tick starts from the current topology; a topology
 * change triggers a tick at once (coalesced) so new endpoints are served without
 * waiting. A failing tick closes only itself; the loop keeps going on the last good data.
 */
import type { Registry } from 'prom-client';
import {
  INITIAL_ENGINE_STATE,
  runEngine,
  seedState,
  type EngineState,
} from '../feedback/index.js';
import { type CustomSignalSpec, type EndpointWeight, type Samples, type Topology, type WeightTable } from '../model/index.js';
import type { Logger } from '../lib/log.js';
import { createLoopMetrics, type LoopMetrics } from './loop-metrics.js';
import type { LoopReport, MetricsSource, ReportSink, TopologySource, WeightPublisher } from './ports.js';

export interface ControlLoopOptions {
  readonly topology: TopologySource;
  /** Absent: no signals; the engine sees no data and serves equal weights. */
  readonly metrics?: MetricsSource;
  readonly publisher: WeightPublisher;
  /** Receive each tick's report (status, HTTP). */
  readonly sinks: readonly ReportSink[];
  readonly intervalMs: number;
  /** Upper bound on one fetch of samples, in ms (default: the interval). */
  readonly fetchTimeoutMs?: number;
  readonly customSignals?: ReadonlyMap<string, readonly CustomSignalSpec[]>;
  /** Problems per serviceId known outside the engine (e.g. unknown profile). */
  readonly notices?: (topology: Topology) => ReadonlyMap<string, readonly string[]>;
  /**
   * With leader election: when this returns false the replica is a follower. It computes
   * nothing and serves `followerWeights()`, the weights the leader published.
   */
  readonly isLeader?: () => boolean;
  readonly followerWeights?: () => WeightTable;
  readonly log: Logger;
  readonly registry: Registry;
  /** The clock, ms since the epoch (tests pass their own). */
  readonly now?: () => number;
}

export class ControlLoop {
  private state: EngineState = INITIAL_ENGINE_STATE;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private rerun = false;
  private stopped = true;
  private lastSamples: Samples | undefined;
  private lastReport: LoopReport | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly metrics: LoopMetrics;
  private readonly now: () => number;
  /**
   * Whether the last tick computed weights; with leader election undefined before the
   * first tick, so that a replica leading at its first tick takes over as one that
   * followed does.
   */
  private wasLeader: boolean | undefined;

  constructor(private readonly opts: ControlLoopOptions) {
    this.metrics = createLoopMetrics(opts.registry);
    this.now = opts.now ?? Date.now;
    this.wasLeader = opts.isLeader === undefined ? true : undefined;
  }

  /** Start ticking; the first tick runs at once. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = this.opts.topology.onChange(() => this.trigger());
    this.trigger();
  }

  /** Stop ticking and wait for a tick in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.unsubscribe?.();
    await this.running;
  }

  /** The report of the last tick, if any. */
  latest(): LoopReport | undefined {
    return this.lastReport;
  }

  /** Run a tick now (coalesced with one in flight), e.g. after a topology change. */
  trigger(): void {
    if (this.running) {
      this.rerun = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.tick().finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      if (this.rerun) {
        this.rerun = false;
        this.trigger();
        return;
      }
      this.timer = setTimeout(() => this.trigger(), this.opts.intervalMs);
    });
  }

  /** One tick. Never rejects. */
  async tick(): Promise<void> {
    const end = this.metrics.tickDuration.startTimer();
    try {
      const topology = this.opts.topology.current();
      this.metrics.servicesGauge.set(topology.services.size);
      const leader = this.opts.isLeader?.() ?? true;
      this.metrics.leader.set(leader ? 1 : 0);
      if (leader !== this.wasLeader) {
        // A new leader continues from the weights it served as a follower, the last
        // leader's (feedback/takeover.ts): from a clean state its first tick would serve
        // every endpoint its fair share again. The smoothing history of another replica's
        // term is not ours to continue; the signals start afresh.
        if (leader) {
          this.state = seedState(topology, this.opts.followerWeights?.() ?? new Map(), this.now());
          this.opts.log.info({ leader, seededServices: Object.keys(this.state.services).length }, 'became leader: computing weights from the served ones');
        } else {
          this.opts.log.info({ leader }, 'follower: serving the leader\'s weights');
        }
        this.wasLeader = leader;
      }
      if (!leader) {
        this.opts.publisher.publish(topology, this.opts.followerWeights?.() ?? new Map());
        this.metrics.ticks.inc({ result: 'follower' });
        return;
      }
      const samples = await this.fetchSamples(topology);
      const now = this.now();
      const out = runEngine({
        topology,
        samples,
        state: this.state,
        now,
        customSignals: this.opts.customSignals ?? new Map(),
      });
      this.state = out.state;
      this.opts.publisher.publish(topology, out.table);
      const report: LoopReport = {
        at: now,
        services: out.services,
        decisions: out.decisions,
        topology,
        notices: this.opts.notices?.(topology) ?? new Map(),
      };
      this.lastReport = report;
      this.record(report);
      for (const sink of this.opts.sinks) {
        try {
          sink.report(report);
        } catch (err) {
          this.opts.log.error({ err }, 'report sink failed');
        }
      }
      this.metrics.ticks.inc({ result: samples && samples.failed.size === 0 ? 'ok' : 'metrics_failed' });
    } catch (err) {
      this.metrics.ticks.inc({ result: 'error' });
      this.opts.log.error({ err }, 'control loop tick failed');
    } finally {
      end();
    }
  }

  private async fetchSamples(topology: Topology): Promise<Samples | undefined> {
    if (!this.opts.metrics || topology.services.size === 0) return this.opts.metrics ? this.lastSamples : undefined;
    const timeout = AbortSignal.timeout(this.opts.fetchTimeoutMs ?? this.opts.intervalMs);
    try {
      const samples = await this.opts.metrics.fetch(topology, this.now(), timeout);
      this.lastSamples = samples;
      return samples;
    } catch (err) {
      // The port promises not to reject for a service's data; if it does anyway, the
      // tick goes on with no new data (stale), never with bad data.
      this.opts.log.warn({ err }, 'fetching samples failed; treating every service as stale');
      return {
        at: this.now(),
        services: new Map(),
        failed: new Set([...topology.services.keys()]),
      };
    }
  }

  /** Metrics and one structured log line per decision. */
  private record(report: LoopReport): void {
    for (const d of report.decisions) {
      this.metrics.weightChanges.inc({ kind: d.kind });
      this.opts.log.info(
        { service: d.serviceId, endpoint: d.endpoint, kind: d.kind, from: d.from, to: d.to, reason: d.reason },
        'weight decision',
      );
    }
    this.metrics.endpointWeight.reset();
    this.metrics.endpointSignal.reset();
    this.metrics.panic.reset();
    for (const [id, svc] of report.services) {
      this.metrics.panic.set({ service: id }, svc.panic ? 1 : 0);
      const pods = new Map(report.topology.services.get(id)?.endpoints.map((e) => [e.address, e.pod ?? '']) ?? []);
      for (const ep of svc.endpoints) {
        this.metrics.endpointWeight.set(
          { service: id, endpoint: ep.address, pod: pods.get(ep.address) ?? '' },
          ep.served,
        );
        for (const [signal, value] of signalEntries(ep.signals)) {
          this.metrics.endpointSignal.set({ service: id, endpoint: ep.address, signal }, value);
        }
      }
    }
  }
}

const SIGNAL_NAMES = [
  ['latencyMs', 'latency_ms'],
  ['errorRatio', 'error_ratio'],
  ['requestRate', 'request_rate'],
  ['cpu', 'cpu'],
  ['memory', 'memory'],
] as const;

/** The finite signals of an endpoint as (metric label, value) pairs. */
function signalEntries(signals: EndpointWeight['signals']): [string, number][] {
  const out: [string, number][] = [];
  for (const [field, label] of SIGNAL_NAMES) {
    const v = signals[field];
    if (v !== undefined && Number.isFinite(v)) out.push([label, v]);
  }
  for (const [name, v] of Object.entries(signals.custom ?? {})) {
    if (Number.isFinite(v)) out.push([`custom:${name}`, v]);
  }
  return out;
}
