/**
 * The ports of the control loop: small interfaces it uses, implemented at the edges
 * (discovery, signals, xds, status, http). The loop imports none of the implementations.
 */
import type { Decision, Samples, ServiceWeights, Topology, WeightTable } from '../model/index.js';

/** Where the topology comes from (file or Kubernetes discovery). */
export interface TopologySource {
  /** The latest topology; EMPTY_TOPOLOGY until the first sync. */
  current(): Topology;
  /** Called with each new topology (after coalescing). Returns an unsubscribe function. */
  onChange(listener: (topology: Topology) => void): () => void;
  /** True once the initial sync is done (for /readyz). */
  synced(): boolean;
}

/** Where samples come from (Prometheus). One call per tick for all services. */
export interface MetricsSource {
  /**
   * Fetch the samples of every service of `topology`. Never rejects for a service's
   * data: a failed query marks its services in `Samples.failed`.
   */
  fetch(topology: Topology, now: number, signal?: AbortSignal): Promise<Samples>;
}

/** Where weights go to be served (the xDS cache). */
export interface WeightPublisher {
  /** Serve `weights` for `topology`. Cheap when nothing changed. */
  publish(topology: Topology, weights: WeightTable): void;
}

/** Everything one tick of the loop produced, for status, metrics and the dashboard. */
export interface LoopReport {
  /** When the tick ran, ms since the epoch. */
  readonly at: number;
  readonly services: ReadonlyMap<string, ServiceWeights>;
  readonly decisions: readonly Decision[];
  readonly topology: Topology;
  /**
   * Problems per serviceId found by the loop itself (unknown profile, metrics failing),
   * besides the annotation problems already in `topology`. Shown in /api/weights and Events.
   */
  readonly notices: ReadonlyMap<string, readonly string[]>;
}

/** Receives each tick's report (Kubernetes status, Events, the HTTP API). */
export interface ReportSink {
  report(report: LoopReport): void;
}
