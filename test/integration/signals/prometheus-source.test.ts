/**
 * The signals layer against a REAL Prometheus (Debian's package) on loopback, scraping
 * local exporters every second whose latency and error ratio the test sets. Prometheus
 * is started once for the file; the test waits for data, not for /-/ready.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrometheus, type PrometheusProcess } from '../../../src/demo/prometheus-process.js';
import { DEFAULT_POLICY, type EndpointSample, type Samples, type Service, type Topology } from '../../../src/model/index.js';
import {
  BUILTIN_PROFILES,
  PrometheusMetricsSource,
  createPrometheusClient,
  loadProfiles,
  parseProfiles,
  type PrometheusClient,
  type Profiles,
} from '../../../src/signals/index.js';
import { BUILTIN_PROFILE_SOURCES } from '../../../src/signals/profiles-builtin.js';
import { renderTemplate } from '../../../src/signals/promql-template.js';
import { startPromExporter, type PromExporter } from '../../support/prom-exporter.js';
import { startQueryProxy, type QueryProxy } from './query-proxy.js';

const BIZ = `
profiles:
  biz:
    labels: { endpoint: instance }
    requestRate: sum by ({{namespaceLabel}}, {{serviceLabel}}, {{endpointLabel}}) (rate(http_server_request_duration_seconds_count{namespace=~"{{namespace}}", service=~"{{service}}"}[{{window}}]))
    custom:
      - name: checkout-success
        query: max by (namespace, service, instance) (checkout_success_ratio{namespace=~"{{namespace}}", service=~"{{service}}"})
        direction: higher-is-better
        threshold: 0.9
`;

interface Pod {
  readonly name: string;
  readonly service: string;
  readonly exporter: PromExporter;
}

let prometheus: PrometheusProcess;
let proxy: QueryProxy;
let client: PrometheusClient;
let pods: Pod[] = [];
let profiles: Profiles;
let cluster: PromExporter;
let cpuTimer: NodeJS.Timeout | undefined;

function service(name: string, profile: string, withPods = true): Service {
  return {
    key: { namespace: 'shop', name },
    ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    endpoints: pods
      .filter((p) => p.service === name)
      .map((p) => ({
        address: p.exporter.host,
        ports: { http: p.exporter.port },
        ...(withPods ? { pod: p.name } : {}),
        zone: '',
        ready: true,
        serving: true,
        terminating: false,
      })),
    policy: { ...DEFAULT_POLICY, profile },
    problems: [],
  };
}

function topology(...services: Service[]): Topology {
  return { services: new Map(services.map((s) => [`${s.key.namespace}/${s.key.name}`, s])) };
}

function sample(samples: Samples, id: string, address: string): EndpointSample | undefined {
  return samples.services.get(id)?.get(address);
}

/** Fetch until `ok` holds (Prometheus needs a few scrapes before rate() answers). */
async function fetchUntil(source: PrometheusMetricsSource, t: Topology, ok: (s: Samples) => boolean, timeoutMs = 40_000): Promise<Samples> {
  const deadline = Date.now() + timeoutMs;
  let last: Samples | undefined;
  while (Date.now() < deadline) {
    last = await source.fetch(t, Date.now());
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`condition not met; last samples: ${JSON.stringify([...(last?.services ?? [])].map(([k, v]) => [k, [...v]]))}`);
}

beforeAll(async () => {
  const web1 = await startPromExporter({ rps: 40, latencyMs: 20, errorRatio: 0 }, '127.0.0.1', { namespace: 'shop', service: 'web', grpc: true });
  // Calls in flight, as OpenTelemetry's http.server.active_requests; the others export none.
  web1.gauge('http_server_active_requests', 2);
  const web2 = await startPromExporter({ rps: 40, latencyMs: 200, errorRatio: 0.3 }, '127.0.0.2', { namespace: 'shop', service: 'web', grpc: true });
  const api1 = await startPromExporter({ rps: 40, latencyMs: 50, errorRatio: 0 }, '127.0.0.3');
  web1.gauge('checkout_success_ratio', 0.99);
  web2.gauge('checkout_success_ratio', 0.7);
  // cAdvisor and kube-state-metrics, as one more target without target labels: their
  // own namespace/pod/container labels stay on the series.
  cluster = await startPromExporter({ rps: 0, latencyMs: 1, errorRatio: 0 }, '127.0.0.4');
  const cpu = new Counter({
    name: 'container_cpu_usage_seconds_total',
    help: 'cAdvisor CPU.',
    labelNames: ['namespace', 'pod', 'container'],
    registers: [cluster.registry],
  });
  const memory = new Gauge({
    name: 'container_memory_working_set_bytes',
    help: 'cAdvisor memory.',
    labelNames: ['namespace', 'pod', 'container'],
    registers: [cluster.registry],
  });
  const limits = new Gauge({
    name: 'kube_pod_container_resource_limits',
    help: 'kube-state-metrics limits.',
    labelNames: ['namespace', 'pod', 'container', 'resource', 'unit'],
    registers: [cluster.registry],
  });
  // web-1: app uses 0.5 of 2 cores and 256 MiB of 1 GiB; its sidecar has no limit and
  // the pause container ("POD") is not a container: neither may count.
  limits.set({ namespace: 'shop', pod: 'web-1', container: 'app', resource: 'cpu', unit: 'core' }, 2);
  limits.set({ namespace: 'shop', pod: 'web-1', container: 'app', resource: 'memory', unit: 'byte' }, 1024 * 1024 * 1024);
  memory.set({ namespace: 'shop', pod: 'web-1', container: 'app' }, 256 * 1024 * 1024);
  memory.set({ namespace: 'shop', pod: 'web-1', container: 'sidecar' }, 900 * 1024 * 1024);
  memory.set({ namespace: 'shop', pod: 'web-1', container: 'POD' }, 900 * 1024 * 1024);
  let last = performance.now();
  cpuTimer = setInterval(() => {
    const now = performance.now();
    const seconds = (now - last) / 1000;
    last = now;
    cpu.inc({ namespace: 'shop', pod: 'web-1', container: 'app' }, 0.5 * seconds);
    cpu.inc({ namespace: 'shop', pod: 'web-1', container: 'sidecar' }, 3 * seconds);
  }, 100);
  pods = [
    { name: 'web-1', service: 'web', exporter: web1 },
    { name: 'web-2', service: 'web', exporter: web2 },
    { name: 'api-1', service: 'api', exporter: api1 },
  ];
  prometheus = await startPrometheus({
    scrapeIntervalMs: 1000,
    scrapeTargets: [
      ...pods.map((p) => ({ address: p.exporter.address, labels: { namespace: 'shop', service: p.service, pod: p.name } })),
      { address: cluster.address },
    ],
  });
  proxy = await startQueryProxy(prometheus.url);
  client = createPrometheusClient({ url: proxy.url, timeoutMs: 1_000 });
  // The built-in cadvisor profile with a 5 s CPU window: its 1 min window would need a
  // minute of data before rate() stops under-counting.
  const fast = { ...BUILTIN_PROFILE_SOURCES.cadvisor, cpu: { ...(BUILTIN_PROFILE_SOURCES.cadvisor!.cpu as object), window: '5s' } };
  const v = parseProfiles(`${BIZ}\n${stringify({ 'cadvisor-fast': fast }).replace(/^/gm, '  ')}`, 'biz.yaml');
  if (!v.valid) throw new Error(v.errors.join('\n'));
  profiles = v.result;
  // Data, not readiness: every series (web-2's 503 series included) has filled a 5 s
  // window, so rate() no longer under-counts a series that started inside the window.
  await prometheus.waitForData('min(count_over_time(http_server_request_duration_seconds_count[6s])) >= 6', { timeoutMs: 40_000 });
});

afterAll(async () => {
  clearInterval(cpuTimer);
  await cluster?.close();
  client?.close();
  await proxy?.close();
  await prometheus?.stop();
  for (const p of pods) await p.exporter.close();
});

describe('PrometheusMetricsSource with a real Prometheus', () => {
  it('measures latency, errors and rate per endpoint for two services with one query per signal', async () => {
    const registry = new Registry();
    const source = new PrometheusMetricsSource({ client, profiles, window: '5s', registry });
    const t = topology(service('web', 'default'), service('api', 'default'));
    const complete = (s: EndpointSample | undefined): boolean =>
      s?.latencyMs !== undefined && s.errorRatio !== undefined && s.requestRate !== undefined;
    await fetchUntil(source, t, (s) => pods.every((p) => complete(sample(s, `shop/${p.service}`, p.exporter.host))));

    proxy.reset();
    const samples = await source.fetch(t, Date.now());
    // One query per signal (latency, error ratio, rate, calls in flight) for both services together.
    expect(proxy.queries).toHaveLength(4);
    for (const q of proxy.queries) expect(q).toContain('service=~"api|web"');
    expect(samples.failed.size).toBe(0);

    const web1 = sample(samples, 'shop/web', '127.0.0.1')!;
    const web2 = sample(samples, 'shop/web', '127.0.0.2')!;
    const api1 = sample(samples, 'shop/api', '127.0.0.3')!;
    // A quantile from a histogram lies within the bucket of the true value.
    expect(web1.latencyMs).toBeGreaterThan(10);
    expect(web1.latencyMs).toBeLessThanOrEqual(25);
    expect(web2.latencyMs).toBeGreaterThan(100);
    expect(web2.latencyMs).toBeLessThanOrEqual(250);
    expect(api1.latencyMs).toBeGreaterThan(25);
    expect(api1.latencyMs).toBeLessThanOrEqual(50);
    expect(web1.errorRatio).toBe(0);
    expect(web2.errorRatio).toBeGreaterThan(0.22);
    expect(web2.errorRatio).toBeLessThan(0.38);
    // api-1 never failed: it has no 503 series at all, and its error ratio is 0, not absent.
    expect(api1.errorRatio).toBe(0);
    for (const s of [web1, web2, api1]) {
      expect(s.requestRate).toBeGreaterThan(20);
      expect(s.requestRate).toBeLessThan(60);
    }
    // A gauge, read as it is; a server that exports none has no in-flight signal.
    expect(web1.inflight).toBe(2);
    expect(web2.inflight).toBeUndefined();
    const text = await registry.metrics();
    expect(text).toMatch(/weir_prometheus_query_duration_seconds_count\{profile="default",signal="errorRatio"\} \d+/);
    expect(text).not.toMatch(/weir_prometheus_query_errors_total\{/);
  });

  it('reads a custom signal of an operator profile, joined by ip:port instance', async () => {
    const source = new PrometheusMetricsSource({ client, profiles, window: '5s' });
    const t = topology(service('web', 'biz', false));
    const samples = await fetchUntil(source, t, (s) => sample(s, 'shop/web', '127.0.0.2')?.custom?.['checkout-success'] !== undefined);
    expect(sample(samples, 'shop/web', '127.0.0.1')?.custom).toEqual({ 'checkout-success': 0.99 });
    expect(sample(samples, 'shop/web', '127.0.0.2')?.custom).toEqual({ 'checkout-success': 0.7 });
    expect(sample(samples, 'shop/web', '127.0.0.1')?.requestRate).toBeGreaterThan(20);
  });

  it('reads Istio standard metrics with the istio profile, gRPC failures in HTTP 200 included', async () => {
    const source = new PrometheusMetricsSource({ client, profiles, window: '5s' });
    const t = topology(service('web', 'istio'));
    const samples = await fetchUntil(source, t, (s) =>
      ['127.0.0.1', '127.0.0.2'].every((a) => sample(s, 'shop/web', a)?.errorRatio !== undefined && sample(s, 'shop/web', a)?.latencyMs !== undefined),
    );
    const web1 = sample(samples, 'shop/web', '127.0.0.1')!;
    const web2 = sample(samples, 'shop/web', '127.0.0.2')!;
    // Milliseconds already: the same buckets as the seconds histogram, times 1000.
    expect(web1.latencyMs).toBeGreaterThan(10);
    expect(web1.latencyMs).toBeLessThanOrEqual(25);
    expect(web2.latencyMs).toBeGreaterThan(100);
    expect(web2.latencyMs).toBeLessThanOrEqual(250);
    expect(web1.errorRatio).toBe(0);
    expect(web2.errorRatio).toBeGreaterThan(0.22);
    expect(web2.errorRatio).toBeLessThan(0.38);
    expect(web2.requestRate).toBeGreaterThan(20);
    // CPU and memory come from cAdvisor (joined on namespace and pod, not Istio's labels);
    // web-2 has no limits: no data, not zero.
    expect(web1.memory).toBeCloseTo(0.25, 5);
    expect(web1.cpu).toBeGreaterThan(0);
    expect(web2.cpu).toBeUndefined();
    expect(web2.memory).toBeUndefined();
    expect(samples.failed.size).toBe(0);
  });

  it('reads CPU and memory of the pod limits from cAdvisor and kube-state-metrics', async () => {
    const source = new PrometheusMetricsSource({ client, profiles, window: '5s' });
    const t = topology(service('web', 'cadvisor-fast'));
    const samples = await fetchUntil(source, t, (s) => sample(s, 'shop/web', '127.0.0.1')?.cpu !== undefined);
    const web1 = sample(samples, 'shop/web', '127.0.0.1')!;
    expect(web1.memory).toBeCloseTo(0.25, 5);
    expect(web1.cpu).toBeGreaterThan(0.2);
    expect(web1.cpu).toBeLessThan(0.3);
    // web-2 has no limits: no data, not 0.
    expect(sample(samples, 'shop/web', '127.0.0.2')).toBeUndefined();
  });

  it('runs every built-in and example template as valid PromQL', async () => {
    const example = loadProfiles(new URL('../../../deploy/profiles/profiles.yaml', import.meta.url).pathname);
    expect(example.size).toBeGreaterThan(BUILTIN_PROFILES.size);
    for (const [name, profile] of example) {
      for (const sig of profile.signals) {
        const query = renderTemplate(sig.template, {
          namespace: ['shop'],
          service: ['web'],
          namespaceLabel: sig.labels.namespace || 'namespace',
          serviceLabel: sig.labels.service || 'service',
          endpointLabel: sig.labels.endpoint,
          window: sig.window ?? '5s',
          quantile: profile.quantile,
        });
        await expect(client.query(query), `${name}/${sig.id}`).resolves.toBeDefined();
      }
    }
  });

  it.each([
    ['error-500', 'http-status'],
    ['garbage', 'bad-response'],
    ['slow', 'timeout'],
  ] as const)('marks the services failed when Prometheus answers %s, counting reason %s', async (mode, reason) => {
    const registry = new Registry();
    const source = new PrometheusMetricsSource({ client, profiles, window: '5s', registry });
    const t = topology(service('web', 'default'), service('api', 'default'));
    proxy.mode = mode;
    proxy.slowMs = 3_000;
    try {
      const samples = await source.fetch(t, 42);
      expect([...samples.failed].sort()).toEqual(['shop/api', 'shop/web']);
      expect(samples.services.size).toBe(0);
      expect(samples.at).toBe(42);
    } finally {
      proxy.mode = 'forward';
    }
    const text = await registry.metrics();
    expect(text).toMatch(new RegExp(`weir_prometheus_query_errors_total\\{profile="default",signal="latency",reason="${reason}"\\} 1`));
  });

  it('marks the services failed, without throwing, when the caller aborts the tick', async () => {
    const source = new PrometheusMetricsSource({ client, profiles, window: '5s' });
    const samples = await source.fetch(topology(service('web', 'default')), 0, AbortSignal.abort());
    expect([...samples.failed]).toEqual(['shop/web']);
  });

  // Last: it stops the shared Prometheus.
  it('marks the services failed when Prometheus is stopped', async () => {
    const direct = createPrometheusClient({ url: prometheus.url, timeoutMs: 1_000 });
    const registry = new Registry();
    const source = new PrometheusMetricsSource({ client: direct, profiles, window: '5s', registry });
    const t = topology(service('web', 'default'), service('api', 'biz', false));
    const before = await source.fetch(t, 0);
    expect(before.failed.size).toBe(0);
    await prometheus.stop();
    const after = await source.fetch(t, 1);
    expect([...after.failed].sort()).toEqual(['shop/api', 'shop/web']);
    expect(await registry.metrics()).toMatch(/weir_prometheus_query_errors_total\{profile="default",signal="latency",reason="unreachable"\} 1/);
    direct.close();
  });
});
