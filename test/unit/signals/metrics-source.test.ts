import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, type Endpoint, type Service, type Topology } from '../../../src/model/index.js';
import { PrometheusMetricsSource, promqlDuration } from '../../../src/signals/metrics-source.js';
import type { PrometheusClient } from '../../../src/signals/prometheus-client.js';
import { parseProfiles } from '../../../src/signals/profiles.js';
import type { Profiles } from '../../../src/signals/profile-types.js';
import { PrometheusQueryError, type InstantVector, type VectorSample } from '../../../src/signals/query-answer.js';

function ep(address: string, pod: string): Endpoint {
  return { address, ports: { '': 8080 }, pod, zone: '', ready: true, serving: true, terminating: false };
}
function svc(namespace: string, name: string, endpoints: Endpoint[], profile = 'default'): Service {
  return {
    key: { namespace, name },
    ports: [{ name: '', port: 80, protocol: 'TCP' }],
    endpoints,
    policy: { ...DEFAULT_POLICY, profile },
    problems: [],
  };
}
function topology(...services: Service[]): Topology {
  return { services: new Map(services.map((s) => [`${s.key.namespace}/${s.key.name}`, s])) };
}

/**
 * A stand-in for the Prometheus client (the real one is exercised against a real
 * Prometheus in test/integration/signals): answers by the metric a query mentions.
 */
class ScriptedClient implements PrometheusClient {
  readonly url = 'http://scripted';
  readonly queries: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  constructor(private readonly answer: (query: string) => VectorSample[] | Error) {}
  async query(promql: string): Promise<InstantVector> {
    this.queries.push(promql);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((r) => setTimeout(r, 5));
    this.inFlight--;
    const a = this.answer(promql);
    if (a instanceof Error) throw a;
    return { samples: a, warnings: [] };
  }
  close(): void {}
}

const s = (labels: Record<string, string>, value: number): VectorSample => ({ labels, value });

const PROFILES: Profiles = (() => {
  const v = parseProfiles(
    `
profiles:
  biz:
    latency: { query: 'max by (namespace, service, pod) (biz_latency{service=~"{{service}}"})', unit: milliseconds }
    custom:
      - name: success
        query: 'min by (namespace, service, pod) (biz_success{service=~"{{service}}"})'
        direction: higher-is-better
        threshold: 0.9
`,
    'test.yaml',
  );
  if (!v.valid) throw new Error(v.errors.join('\n'));
  return v.result;
})();

const WEB = svc('shop', 'web', [ep('10.0.0.1', 'web-1'), ep('10.0.0.2', 'web-2')]);
const API = svc('shop', 'api', [ep('10.0.0.3', 'api-1')]);

describe('PrometheusMetricsSource', () => {
  it('runs one query per signal for all services of a profile and joins the series', async () => {
    const client = new ScriptedClient((q) => {
      if (q.startsWith('histogram_quantile')) {
        return [
          s({ namespace: 'shop', service: 'web', pod: 'web-1' }, 0.12),
          s({ namespace: 'shop', service: 'web', pod: 'web-2' }, Number.NaN),
          s({ namespace: 'shop', service: 'api', pod: 'api-1' }, 0.5),
          s({ namespace: 'shop', service: 'api', pod: 'gone-7' }, 9),
        ];
      }
      if (q.includes('http_response_status_code')) {
        return [s({ namespace: 'shop', service: 'web', pod: 'web-1' }, 0), s({ namespace: 'shop', service: 'api', pod: 'api-1' }, 1.02)];
      }
      // Calls in flight: two series for one endpoint add up.
      if (q.includes('http_server_active_requests')) {
        return [s({ namespace: 'shop', service: 'web', pod: 'web-1', method: 'GET' }, 2), s({ namespace: 'shop', service: 'web', pod: 'web-1', method: 'POST' }, 1)];
      }
      return [s({ namespace: 'shop', service: 'web', pod: 'web-1' }, 20), s({ namespace: 'shop', service: 'web', pod: 'web-2' }, Number.POSITIVE_INFINITY)];
    });
    const source = new PrometheusMetricsSource({ client, profiles: PROFILES, window: '10s' });
    const samples = await source.fetch(topology(WEB, API), 1234);
    expect(client.queries).toHaveLength(4);
    expect(client.queries[0]).toContain('service=~"api|web"');
    expect(client.queries[0]).toContain('[10s]');
    expect(samples.at).toBe(1234);
    expect(samples.failed.size).toBe(0);
    expect(samples.services.get('shop/web')).toEqual(
      new Map([
        ['10.0.0.1', { latencyMs: 120, errorRatio: 0, requestRate: 20, inflight: 3 }],
      ]),
    );
    expect(samples.services.get('shop/api')).toEqual(new Map([['10.0.0.3', { latencyMs: 500, errorRatio: 1 }]]));
  });

  it('marks the services of a failed profile as failed, keeps the others, and counts the reason', async () => {
    const registry = new Registry();
    const biz = svc('shop', 'pay', [ep('10.0.0.9', 'pay-1')], 'biz');
    const client = new ScriptedClient((q) => {
      if (q.includes('http_server')) return new PrometheusQueryError('http-status', q, 'HTTP 503', { status: 503 });
      if (q.includes('biz_latency')) return [s({ namespace: 'shop', service: 'pay', pod: 'pay-1' }, 42)];
      return [s({ namespace: 'shop', service: 'pay', pod: 'pay-1' }, 0.97), s({ namespace: 'shop', service: 'pay', pod: 'pay-1', shard: 'b' }, 0.8)];
    });
    const source = new PrometheusMetricsSource({ client, profiles: PROFILES, registry });
    const samples = await source.fetch(topology(WEB, API, biz), 0);
    expect([...samples.failed].sort()).toEqual(['shop/api', 'shop/web']);
    expect(samples.services.has('shop/web')).toBe(false);
    // Two series for one endpoint of a higher-is-better signal: the worst (lowest) wins.
    expect(samples.services.get('shop/pay')).toEqual(new Map([['10.0.0.9', { latencyMs: 42, custom: { success: 0.8 } }]]));
    const text = await registry.metrics();
    expect(text).toMatch(/weir_prometheus_query_errors_total\{profile="default",signal="latency",reason="http-status"\} 1/);
    expect(text).toMatch(/weir_prometheus_query_duration_seconds_count\{profile="biz",signal="custom:success"\} 1/);
  });

  it('gives no data and one problem for a service whose profile does not exist', async () => {
    const client = new ScriptedClient(() => []);
    const source = new PrometheusMetricsSource({ client, profiles: PROFILES });
    const lost = svc('shop', 'lost', [ep('10.0.0.5', 'lost-1')], 'nope');
    const samples = await source.fetch(topology(lost), 0);
    expect(client.queries).toEqual([]);
    expect(samples.services.size).toBe(0);
    expect(samples.failed.size).toBe(0);
    expect(source.problems()).toEqual([{ serviceId: 'shop/lost', profile: 'nope', message: expect.stringMatching(/no signal profile named "nope"/) }]);
    await source.fetch(topology(WEB), 0);
    expect(source.problems()).toEqual([]);
  });

  it('keeps empty answers as no data, and bounds the queries in flight', async () => {
    const client = new ScriptedClient(() => []);
    const many = Array.from({ length: 6 }, (_, i) => svc(`ns${i}`, 'x', [ep(`10.0.1.${i}`, `x-${i}`)], i % 2 ? 'biz' : 'kubernetes'));
    const source = new PrometheusMetricsSource({ client, profiles: PROFILES, concurrency: 2 });
    const samples = await source.fetch(topology(...many), 0);
    expect(client.queries).toHaveLength(6 + 2);
    expect(client.maxInFlight).toBe(2);
    expect([...samples.services.values()].every((m) => m.size === 0)).toBe(true);
    expect(samples.services.size).toBe(6);
  });

  it('writes the window as a PromQL duration', () => {
    expect(promqlDuration(30_000)).toBe('30s');
    expect(promqlDuration(1500)).toBe('1500ms');
    expect(() => promqlDuration(0)).toThrow(RangeError);
  });
});

describe('PrometheusMetricsSource across topologies', () => {
  it('joins the endpoints of a new topology, not those of the last one', async () => {
    const client = new ScriptedClient((q) =>
      q.startsWith('histogram_quantile') ? [s({ namespace: 'shop', service: 'web', pod: 'web-1' }, 0.1), s({ namespace: 'shop', service: 'web', pod: 'web-3' }, 0.3)] : [],
    );
    const source = new PrometheusMetricsSource({ client, profiles: PROFILES });
    const first = topology(WEB);
    expect([...(await source.fetch(first, 0)).services.get('shop/web')!.keys()]).toEqual(['10.0.0.1']);
    expect([...(await source.fetch(first, 1)).services.get('shop/web')!.keys()]).toEqual(['10.0.0.1']);
    const grown = topology(svc('shop', 'web', [...WEB.endpoints, ep('10.0.0.4', 'web-3')]));
    expect((await source.fetch(grown, 2)).services.get('shop/web')).toEqual(
      new Map([
        ['10.0.0.1', { latencyMs: 100 }],
        ['10.0.0.4', { latencyMs: 300 }],
      ]),
    );
  });
});
