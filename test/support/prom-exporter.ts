/**
 * A tiny metrics exporter for the signals tests: an HTTP server whose `/metrics` shows a
 * prom-client histogram `http_server_request_duration_seconds{http_response_status_code}`
 * fed with synthetic requests at a rate, latency and error ratio the test controls, plus
 * gauges the test sets. No real traffic: the observations are what a server with that
 * behaviour would record, which is all Prometheus sees.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface Behaviour {
  /** Requests per second. */
  readonly rps: number;
  /** Latency of every request, in ms. */
  readonly latencyMs: number;
  /** Share of requests answered 503, 0..1 (spread evenly, not at random). */
  readonly errorRatio: number;
}

export interface PromExporter {
  /** `host:port` to scrape. */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  /** The exporter's registry, for tests that need metrics of their own. */
  readonly registry: Registry;
  /** How many times /metrics was read. */
  scrapes(): number;
  set(behaviour: Partial<Behaviour>): void;
  /** Set a gauge (created on first use) without labels. */
  gauge(name: string, value: number): void;
  close(): Promise<void>;
}

/**
 * Also export Istio's standard server-side metrics for the same synthetic requests, as a
 * sidecar of this pod would (`reporter="destination"`). With `grpc`, failures are gRPC
 * UNAVAILABLE carried in HTTP 200 (`grpc_response_status="14"`), else HTTP 503.
 */
export interface IstioOptions {
  readonly namespace: string;
  readonly service: string;
  readonly grpc?: boolean;
}

/** Buckets in seconds: the quantile estimate lies within the bucket of the true latency. */
export const EXPORTER_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** Start an exporter on `host` (a loopback address, default 127.0.0.1), port 0. */
export async function startPromExporter(initial: Behaviour, host = '127.0.0.1', istio?: IstioOptions): Promise<PromExporter> {
  const registry = new Registry();
  const histogram = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Synthetic request durations.',
    labelNames: ['http_response_status_code'],
    buckets: EXPORTER_BUCKETS,
    registers: [registry],
  });
  // Only the 200 series exists until the first error: like a real prom-client server,
  // which is what the default profile's error ratio must cope with.
  histogram.zero({ http_response_status_code: '200' });
  const istioLabels = ['reporter', 'destination_service_namespace', 'destination_service_name', 'response_code', 'grpc_response_status'];
  const istioRequests = istio
    ? new Counter({ name: 'istio_requests_total', help: 'Synthetic Istio requests.', labelNames: istioLabels, registers: [registry] })
    : undefined;
  const istioDuration = istio
    ? new Histogram({
        name: 'istio_request_duration_milliseconds',
        help: 'Synthetic Istio durations.',
        labelNames: istioLabels,
        buckets: EXPORTER_BUCKETS.map((b) => b * 1000),
        registers: [registry],
      })
    : undefined;
  const gauges = new Map<string, Gauge>();
  let behaviour = { ...initial };
  let scrapes = 0;
  let carry = 0;
  let count = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    // From the time that really passed, so that a loaded machine delaying the timer
    // does not lower the request rate.
    const now = performance.now();
    carry += (behaviour.rps * (now - last)) / 1000;
    last = now;
    const n = Math.floor(carry);
    carry -= n;
    for (let i = 0; i < n; i++) {
      // Error k of request k when floor(k * r) steps: an exact, evenly spread ratio.
      const error = Math.floor((count + 1) * behaviour.errorRatio) > Math.floor(count * behaviour.errorRatio);
      count++;
      histogram.observe({ http_response_status_code: error ? '503' : '200' }, behaviour.latencyMs / 1000);
      if (istio && istioRequests && istioDuration) {
        const labels = {
          reporter: 'destination',
          destination_service_namespace: istio.namespace,
          destination_service_name: istio.service,
          response_code: error && !istio.grpc ? '503' : '200',
          grpc_response_status: istio.grpc ? (error ? '14' : '0') : '',
        };
        istioRequests.inc(labels);
        istioDuration.observe(labels, behaviour.latencyMs);
      }
    }
  }, 100);
  timer.unref();

  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    scrapes++;
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    address: `${host}:${port}`,
    registry,
    host,
    port,
    scrapes: () => scrapes,
    set(b) {
      behaviour = { ...behaviour, ...b };
    },
    gauge(name, value) {
      let g = gauges.get(name);
      if (!g) {
        g = new Gauge({ name, help: `Test gauge ${name}.`, registers: [registry] });
        gauges.set(name, g);
      }
      g.set(value);
    },
    async close() {
      clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
