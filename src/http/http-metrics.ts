import { Counter, Gauge, type Registry } from 'prom-client';

/** The HTTP layer's own metrics. */
export interface HttpMetrics {
  /** Count one answered request by route (a fixed set, never the raw path) and status code. */
  request(route: string, status: number): void;
  /** Set the number of open event streams. */
  streams(n: number): void;
}

/**
 * Register (or reuse, when a registry already has them) `weir_http_requests_total` and
 * `weir_http_event_streams`. Reuse keeps a second server on the same registry (tests)
 * from failing on a duplicate name.
 */
export function httpMetrics(registry: Registry): HttpMetrics {
  const requests =
    (registry.getSingleMetric('weir_http_requests_total') as Counter<'route' | 'code'> | undefined) ??
    new Counter({
      name: 'weir_http_requests_total',
      help: 'HTTP requests answered, by route and status code.',
      labelNames: ['route', 'code'] as const,
      registers: [registry],
    });
  const streams =
    (registry.getSingleMetric('weir_http_event_streams') as Gauge | undefined) ??
    new Gauge({ name: 'weir_http_event_streams', help: 'Open Server-Sent Events streams of the dashboard.', registers: [registry] });
  return {
    request: (route, status) => requests.inc({ route, code: String(status) }),
    streams: (n) => streams.set(n),
  };
}
