/** The control loop's metrics (prefix weir_), registered on the registry the root passes in. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface LoopMetrics {
  readonly tickDuration: Histogram;
  readonly ticks: Counter<'result'>;
  readonly endpointWeight: Gauge<'service' | 'endpoint' | 'pod'>;
  readonly endpointSignal: Gauge<'service' | 'endpoint' | 'signal'>;
  readonly weightChanges: Counter<'kind'>;
  readonly panic: Gauge<'service'>;
  readonly servicesGauge: Gauge;
  readonly leader: Gauge;
}

export function createLoopMetrics(registry: Registry): LoopMetrics {
  const registers = [registry];
  return {
    tickDuration: new Histogram({
      name: 'weir_loop_duration_seconds',
      help: 'Duration of one control loop tick: fetch samples, run the engine, publish.',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    ticks: new Counter({
      name: 'weir_loop_ticks_total',
      help: 'Control loop ticks by result (ok, metrics_failed, skipped_overlap, follower, error).',
      labelNames: ['result'],
      registers,
    }),
    endpointWeight: new Gauge({
      name: 'weir_endpoint_weight',
      help: 'Weight served to each endpoint (integer >= 1).',
      labelNames: ['service', 'endpoint', 'pod'],
      registers,
    }),
    endpointSignal: new Gauge({
      name: 'weir_endpoint_signal',
      help: 'Smoothed signal of each endpoint as the engine sees it (latency_ms, error_ratio, request_rate, cpu, memory, custom:NAME).',
      labelNames: ['service', 'endpoint', 'signal'],
      registers,
    }),
    weightChanges: new Counter({
      name: 'weir_weight_changes_total',
      help: 'Decisions of the engine by kind (shift, eject, restore, slow-start, panic-enter, panic-exit, stale, stale-reset).',
      labelNames: ['kind'],
      registers,
    }),
    panic: new Gauge({
      name: 'weir_panic',
      help: '1 while a service is in panic mode (too many endpoints degraded: equal weights).',
      labelNames: ['service'],
      registers,
    }),
    servicesGauge: new Gauge({ name: 'weir_services', help: 'Opted-in services.', registers }),
    leader: new Gauge({ name: 'weir_loop_computing', help: '1 while this replica computes weights (the leader, or no election); 0 while it follows.', registers }),
  };
}
