/**
 * The reason the gRPC resources look the way they do, checked against the real client:
 * @grpc/grpc-js-xds 1.14 fed weir's gRPC resources spreads calls by endpoint weight,
 * while the same weights in zone-grouped localities (Envoy's shape) spread evenly.
 * A minimal State-of-the-World ADS responder serves a fixed ResourceSet; the full server
 * and its chi-square tests live with src/xds/server.
 */
import {
  credentials,
  loadPackageDefinition,
  makeGenericClientConstructor,
  Server,
  ServerCredentials,
  type Client,
  type GrpcObject,
  type ServerDuplexStream,
  type ServiceClientConstructor,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import * as xds from '@grpc/grpc-js-xds';
import { afterEach, describe, expect, test } from 'vitest';

import { loadAdsPackageDefinition } from '../../../../src/xds/proto/index.js';
import { createResourceBuilder } from '../../../../src/xds/resources/index.js';
import { TYPE_URL, type ResourceSet, type TypeUrl } from '../../../../src/xds/types.js';
import { toTopology } from './fixture.js';

xds.register();

const raw = (b: Buffer): Buffer => b;
const ECHO: ServiceDefinition = {
  Who: {
    path: '/weir.test.Echo/Who',
    requestStream: false,
    responseStream: false,
    requestSerialize: raw,
    requestDeserialize: raw,
    responseSerialize: raw,
    responseDeserialize: raw,
  },
};

interface AdsRequest {
  type_url: string;
  resource_names: string[];
  response_nonce: string;
}

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) {
    close();
  }
});

async function listen(server: Server, host = '127.0.0.1'): Promise<number> {
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:0`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  closers.push(() => server.forceShutdown());
  return port;
}

/** Answers each new subscription (empty nonce or changed names) with the requested resources. */
async function startAds(set: ResourceSet): Promise<number> {
  const grpcObject = loadPackageDefinition(loadAdsPackageDefinition());
  const v3 = (((grpcObject.envoy as GrpcObject).service as GrpcObject).discovery as GrpcObject).v3 as GrpcObject;
  const Ads = v3.AggregatedDiscoveryService as ServiceClientConstructor;
  const server = new Server();
  let nonce = 0;
  server.addService(Ads.service, {
    StreamAggregatedResources: (call: ServerDuplexStream<AdsRequest, unknown>) => {
      const sent = new Map<string, string>();
      call.on('data', (request: AdsRequest) => {
        const names = [...request.resource_names].sort().join(',');
        if (request.response_nonce !== '' && sent.get(request.type_url) === names) {
          return;
        }
        sent.set(request.type_url, names);
        const all = set.get(request.type_url as TypeUrl) ?? new Map();
        const chosen = request.resource_names.length === 0 ? [...all.values()] : request.resource_names.flatMap((n) => all.get(n) ?? []);
        call.write({
          version_info: '1',
          type_url: request.type_url,
          nonce: String(++nonce),
          resources: chosen.map((r) => ({ type_url: r.typeUrl, value: r.value })),
        });
      });
      call.on('end', () => call.end());
    },
    DeltaAggregatedResources: (call: ServerDuplexStream<unknown, unknown>) => call.end(),
  });
  return listen(server);
}

/** A backend on its own loopback address (Linux routes all of 127.0.0.0/8 to lo). */
async function startBackend(id: string, host: string): Promise<number> {
  const server = new Server();
  server.addService(ECHO, {
    Who: (_call: unknown, callback: (err: null, reply: Buffer) => void) => callback(null, Buffer.from(id)),
  });
  return listen(server, host);
}

/** Sends `calls` unary calls through xds:///name and counts the answers per backend. */
async function spread(set: ResourceSet, adsPort: number, name: string, calls: number): Promise<Map<string, number>> {
  const bootstrap = {
    xds_servers: [{ server_uri: `127.0.0.1:${adsPort}`, channel_creds: [{ type: 'insecure' }], server_features: [] }],
    node: { id: 'spread-test', locality: { zone: 'a' } },
  };
  const EchoClient = makeGenericClientConstructor(ECHO, 'Echo');
  const client = new EchoClient(`xds:///${name}`, credentials.createInsecure(), {
    'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config': JSON.stringify(bootstrap),
  });
  closers.push(() => client.close());
  const who = client.Who as (this: Client, req: Buffer, cb: (err: Error | null, res?: Buffer) => void) => void;
  const counts = new Map<string, number>();
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      who.call(client, Buffer.alloc(0), (err, res) => {
        if (err) {
          reject(err);
          return;
        }
        const id = res!.toString();
        counts.set(id, (counts.get(id) ?? 0) + 1);
        resolve();
      });
    });
  await one();
  counts.clear();
  for (let i = 0; i < calls; i += 50) {
    await Promise.all(Array.from({ length: 50 }, one));
  }
  expect(set.size).toBe(4);
  return counts;
}

function chiSquare(counts: Map<string, number>, expected: Record<string, number>): number {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const weightSum = Object.values(expected).reduce((a, b) => a + b, 0);
  let chi = 0;
  for (const [id, w] of Object.entries(expected)) {
    const e = (total * w) / weightSum;
    chi += ((counts.get(id) ?? 0) - e) ** 2 / e;
  }
  return chi;
}

describe('proxyless gRPC spreads calls by weir weights', () => {
  test('1:1:8 weights give a 1:1:8 spread with the gRPC resources, not with zone-grouped ones', async () => {
    const hosts = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
    const ports = await Promise.all(hosts.map((h, i) => startBackend(`b${i}`, h)));
    const { topology, weights } = toTopology({
      services: [
        {
          name: 'echo',
          namespace: 'test',
          lbPolicy: 'least-request',
          ports: [{ name: '', port: 80 }],
          // One zone: Envoy-shaped resources put all three in one locality.
          endpoints: ports.map((p, i) => ({ address: hosts[i]!, ports: { '': p }, zone: 'a' })),
        },
      ],
      weights: { 'test/echo': { '127.0.0.1': 1, '127.0.0.2': 1, '127.0.0.3': 8 } },
    });
    const grpcSet = createResourceBuilder()(topology, weights, 'grpc');
    const calls = 600;
    const weighted = await spread(grpcSet, await startAds(grpcSet), 'echo.test:80', calls);
    // df = 2: 13.8 is the p = 0.001 critical value.
    expect(chiSquare(weighted, { b0: 1, b1: 1, b2: 8 }), JSON.stringify([...weighted])).toBeLessThan(13.8);

    // Same weights, Envoy's zone-grouped assignment and ROUND_ROBIN: the client ignores them.
    const envoySet = createResourceBuilder()(topology, weights, 'envoy');
    const zoneGrouped: ResourceSet = new Map([
      [TYPE_URL.CLUSTER, grpcSet.get(TYPE_URL.CLUSTER)!],
      [TYPE_URL.ENDPOINT, envoySet.get(TYPE_URL.ENDPOINT)!],
      [TYPE_URL.LISTENER, grpcSet.get(TYPE_URL.LISTENER)!],
      [TYPE_URL.ROUTE, grpcSet.get(TYPE_URL.ROUTE)!],
    ]);
    const even = await spread(zoneGrouped, await startAds(zoneGrouped), 'echo.test:80', calls);
    expect(chiSquare(even, { b0: 1, b1: 1, b2: 1 }), JSON.stringify([...even])).toBeLessThan(13.8);
  }, 60_000);
});
