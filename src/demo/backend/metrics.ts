import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Histogram buckets in seconds, fine enough from 1 ms to 5 s that a quantile estimate
 * around a 20–100 ms service time is within a few milliseconds.
 */
export const DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.0125, 0.015, 0.0175, 0.02, 0.025, 0.03, 0.035, 0.04, 0.05, 0.06,
  0.075, 0.09, 0.1, 0.125, 0.15, 0.175, 0.2, 0.25, 0.3, 0.4, 0.5, 0.65, 0.8, 1, 1.25, 1.5, 2, 2.5, 3, 4, 5,
];

/** Metric names, exported for tests and for the signal profiles of the demo. */
export const BACKEND_METRIC_NAMES = Object.freeze({
  duration: 'http_server_request_duration_seconds',
  inflight: 'http_server_active_requests',
  capacity: 'weir_demo_capacity',
  busy: 'weir_demo_busy_seconds_total',
});

/** Status label values: "200" for a served call, "503" for UNAVAILABLE. */
export type StatusLabel = '200' | '503';

/**
 * One backend's metrics, in its OWN registry so that several backends in one process do
 * not share series. No pod/service/namespace labels: Prometheus attaches those from its
 * scrape configuration's target labels.
 */
export interface BackendMetrics {
  readonly registry: Registry;
  observe(status: StatusLabel, seconds: number): void;
  setInflight(n: number): void;
  setCapacity(n: number): void;
  /** Count a served call's service time over the capacity it ran at (see `busy`). */
  addBusy(seconds: number): void;
}

export function createBackendMetrics(): BackendMetrics {
  const registry = new Registry();
  const duration = new Histogram({
    name: BACKEND_METRIC_NAMES.duration,
    help: 'Duration of calls as seen by the backend, queueing included, in seconds.',
    labelNames: ['http_response_status_code'],
    buckets: [...DURATION_BUCKETS_SECONDS],
    registers: [registry],
  });
  const inflight = new Gauge({
    name: BACKEND_METRIC_NAMES.inflight,
    help: 'Calls accepted and not yet answered (in service or queued).',
    registers: [registry],
  });
  const capacity = new Gauge({
    name: BACKEND_METRIC_NAMES.capacity,
    help: 'Calls the backend serves at once.',
    registers: [registry],
  });
  // What a CPU-bound server's CPU seconds over its limit would say: each call adds its
  // service time over the capacity (one slot's share of the server), so rate() is the
  // share of the capacity in use, 0..1. Queued time is not busy time.
  const busy = new Counter({
    name: BACKEND_METRIC_NAMES.busy,
    help: 'Service time of the calls served over the capacity they ran at, in seconds (rate: the share of the capacity in use).',
    registers: [registry],
  });
  // Both label values exist from the start, so that rate() over errors is 0, not absent.
  duration.zero({ http_response_status_code: '200' });
  duration.zero({ http_response_status_code: '503' });
  return {
    registry,
    observe: (status, seconds) => duration.observe({ http_response_status_code: status }, seconds),
    setInflight: (n) => inflight.set(n),
    setCapacity: (n) => capacity.set(n),
    addBusy: (seconds) => busy.inc(seconds),
  };
}
