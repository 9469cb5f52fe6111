/**
 * The xDS layer's Prometheus metrics (`weir_xds_*`), the ones istiod taught operators
 * to watch: connected streams, pushes, push and convergence time, NACKs, stale nonces,
 * rejected requests. Registered on the Registry passed in, never the global one.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface XdsMetrics {
  /** Open ADS streams by `client_kind` (envoy|grpc) and `variant` (sotw|delta). */
  readonly streams: Gauge<'client_kind' | 'variant'>;
  /** Responses sent, by `type_url` and `variant`. */
  readonly pushes: Counter<'type_url' | 'variant'>;
  /** Seconds from a cache flush until every stream's response for it was written. */
  readonly pushDuration: Histogram;
  /** Seconds from a type's version bump until every stream that was sent it ACKed it. */
  readonly convergence: Histogram<'type_url'>;
  /** NACKs received, by `type_url` and `client_kind`. */
  readonly nacks: Counter<'type_url' | 'client_kind'>;
  /** SotW/Delta requests whose nonce was not the latest (superseded, not answered). */
  readonly staleNonces: Counter<'type_url' | 'variant'>;
  /** Requests refused or ignored, by `reason`. */
  readonly rejected: Counter<'reason'>;
  /** Cache flushes (one per coalesced burst) and updates received. */
  readonly cacheFlushes: Counter;
  readonly cacheUpdates: Counter;
  /** Resource builds that threw (the previous state is kept). */
  readonly buildFailures: Counter;
  /** Resources in the cache by `type_url` and `client_kind`. */
  readonly resources: Gauge<'type_url' | 'client_kind'>;
}

const SECONDS_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const byRegistry = new WeakMap<Registry, XdsMetrics>();

/**
 * The xDS metrics registered on `registry`: created on the first call, the same object
 * afterwards (the cache and the server share them without registering names twice).
 */
export function xdsMetrics(registry: Registry): XdsMetrics {
  let metrics = byRegistry.get(registry);
  if (!metrics) {
    metrics = createXdsMetrics(registry);
    byRegistry.set(registry, metrics);
  }
  return metrics;
}

function createXdsMetrics(registry: Registry): XdsMetrics {
  const registers = [registry];
  return {
    streams: new Gauge({
      name: 'weir_xds_connected_streams',
      help: 'Open ADS streams by client kind and protocol variant.',
      labelNames: ['client_kind', 'variant'],
      registers,
    }),
    pushes: new Counter({
      name: 'weir_xds_pushes_total',
      help: 'xDS responses sent, by type URL and protocol variant.',
      labelNames: ['type_url', 'variant'],
      registers,
    }),
    pushDuration: new Histogram({
      name: 'weir_xds_push_duration_seconds',
      help: 'Time from a cache flush until every stream was handed its response.',
      buckets: SECONDS_BUCKETS,
      registers,
    }),
    convergence: new Histogram({
      name: 'weir_xds_convergence_seconds',
      help: 'Time from a version bump until every stream sent that version ACKed it.',
      labelNames: ['type_url'],
      buckets: SECONDS_BUCKETS,
      registers,
    }),
    nacks: new Counter({
      name: 'weir_xds_nacks_total',
      help: 'NACKs received (requests with error_detail), by type URL and client kind.',
      labelNames: ['type_url', 'client_kind'],
      registers,
    }),
    staleNonces: new Counter({
      name: 'weir_xds_stale_nonces_total',
      help: 'Requests carrying a superseded nonce.',
      labelNames: ['type_url', 'variant'],
      registers,
    }),
    rejected: new Counter({
      name: 'weir_xds_rejected_requests_total',
      help: 'Requests refused (stream closed) or ignored, by reason.',
      labelNames: ['reason'],
      registers,
    }),
    cacheFlushes: new Counter({
      name: 'weir_xds_cache_flushes_total',
      help: 'Coalesced cache flushes (one per burst of updates).',
      registers,
    }),
    cacheUpdates: new Counter({
      name: 'weir_xds_cache_updates_total',
      help: 'Updates (topology and weights) received by the cache.',
      registers,
    }),
    buildFailures: new Counter({
      name: 'weir_xds_build_failures_total',
      help: 'Resource builds that failed; the previous resources are kept.',
      registers,
    }),
    resources: new Gauge({
      name: 'weir_xds_resources',
      help: 'Resources in the cache by type URL and client kind.',
      labelNames: ['type_url', 'client_kind'],
      registers,
    }),
  };
}
