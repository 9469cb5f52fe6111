/**
 * The real proxyless client: @grpc/grpc-js-xds 1.14 against weir's cache and ADS server
 * fed by the real resource builders, with three real gRPC backends. grpc-js-xds reads
 * its bootstrap once per process, so this file owns the process's bootstrap.
 */
import { register as registerXds } from '@grpc/grpc-js-xds';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { silentLogger } from '../../../src/lib/log.js';
import { DEFAULT_POLICY, type Service, type Topology, type WeightTable } from '../../../src/model/index.js';
import { createXdsCache, startXdsServer, type XdsCache, type XdsServer } from '../../../src/xds/index.js';
import { createResourceBuilder } from '../../../src/xds/resources/index.js';
import { CHI2_CRITICAL_0_001, WhoClient, chiSquare, startEchoBackend, type EchoBackend } from '../../support/xds-client/echo-backend.js';

const HOSTS = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];

let backends: EchoBackend[] = [];
let cache: XdsCache;
let server: XdsServer;
let client: WhoClient;
let registry: Registry;

function topology(): Topology {
  const service: Service = {
    key: { namespace: 'default', name: 's' },
    ports: [{ name: 'grpc', port: 80, protocol: 'TCP' }],
    endpoints: backends.map((b) => ({ address: b.host, ports: { grpc: b.port }, zone: 'z1', ready: true, serving: true, terminating: false })),
    policy: DEFAULT_POLICY,
    problems: [],
  };
  return { services: new Map([['default/s', service]]) };
}

function weights(w: readonly number[]): WeightTable {
  return new Map([['default/s', new Map(backends.map((b, i) => [b.host, w[i] ?? 1]))]]);
}

/** Calls per backend, in HOSTS order. */
async function spread(n: number): Promise<number[]> {
  const counts = await client.spread(n);
  return backends.map((b) => counts.get(b.name) ?? 0);
}

beforeAll(async () => {
  backends = await Promise.all(HOSTS.map((host, i) => startEchoBackend(`backend-${i + 1}`, host)));
  registry = new Registry();
  const log = silentLogger();
  cache = createXdsCache({ build: createResourceBuilder(), log, registry, holdOffMs: 20, maxDelayMs: 200 });
  server = await startXdsServer({ address: '127.0.0.1:0', cache, log, registry });
  cache.update(topology(), weights([1, 1, 8]));
  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
    xds_servers: [{ server_uri: server.address, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: 'weir-test-client', cluster: 'test', locality: { zone: 'z1' } },
  });
  registerXds();
  client = new WhoClient('xds:///s.default:80');
  // The first call waits for LDS → RDS → CDS → EDS.
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await client.who(2_000);
      break;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
});

afterAll(async () => {
  client?.close();
  await server?.stop(1_000);
  cache?.close();
  await Promise.all(backends.map((b) => b.stop()));
});

describe('@grpc/grpc-js-xds against weir', () => {
  test('calls succeed and the client is served as gRPC', async () => {
    const counts = await spread(30);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(30);
    const streams = await registry.getSingleMetric('weir_xds_connected_streams')?.get();
    expect(streams?.values.find((v) => v.labels.client_kind === 'grpc' && v.labels.variant === 'sotw')?.value).toBe(1);
    const nacks = await registry.getSingleMetric('weir_xds_nacks_total')?.get();
    expect(nacks?.values.reduce((s, v) => s + v.value, 0) ?? 0).toBe(0);
  });

  test('with weights 1:1:8 the calls spread 1:1:8 (chi-square, α = 0.001)', async () => {
    const observed = await spread(2_000);
    const stat = chiSquare(observed, [1, 1, 8]);
    // A 1:1:1 spread over 2,000 calls would give a statistic near 2,000: far past 13.8.
    expect(stat, `observed ${observed.join(':')}`).toBeLessThan(CHI2_CRITICAL_0_001[2] ?? 0);
  });

  test('a weight change reaches the client and changes the spread within a second', async () => {
    const changedAt = performance.now();
    cache.update(topology(), weights([8, 1, 1]));
    let switchedAfter = Infinity;
    // Batches of calls: the first batch that backend-1 dominates marks the switch (under
    // the old weights it gets 10% of calls; under the new ones 80%).
    while (performance.now() - changedAt < 10_000) {
      const batch = await spread(40);
      if ((batch[0] ?? 0) > 20) {
        switchedAfter = performance.now() - changedAt;
        break;
      }
    }
    expect(switchedAfter).toBeLessThan(1_000);
    const observed = await spread(2_000);
    expect(chiSquare(observed, [8, 1, 1]), `observed ${observed.join(':')}`).toBeLessThan(CHI2_CRITICAL_0_001[2] ?? 0);
  });
});
