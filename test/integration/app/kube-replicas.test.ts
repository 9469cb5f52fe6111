/**
 * weir on Kubernetes, whole: two replicas of `startWeir --discovery kube --leader-elect`
 * against the test API server (through the real @kubernetes/client-node). One leader
 * writes the EndpointWeights status; both replicas serve the same endpoints over xDS;
 * when the leader stops, it releases the Lease and the other takes over, continuing from
 * the weights it served as a follower.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/app/config.js';
import { startWeir, type RunningWeir } from '../../../src/app/weir.js';
import { silentLogger } from '../../../src/lib/log.js';
import { decodeToJson } from '../../../src/xds/proto/index.js';
import {
  applyObject,
  deleteObject,
  ENDPOINT_WEIGHTS,
  LEASES,
  serviceObject,
  sliceObject,
  TestApiServer,
} from '../../support/kube-api/index.js';
import { AdsTestClient, ENVOY_NODE } from '../../support/xds-client/ads-client.js';
import { waitFor } from '../../support/wait.js';

const EDS = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';
const CLUSTER = 'echo.shop:8080';

/** The endpoints (address → weight) a replica serves for CLUSTER, as an Envoy would see them. */
async function servedEndpoints(xdsAddress: string): Promise<Map<string, number>> {
  const client = new AdsTestClient(xdsAddress);
  try {
    const stream = client.sotw();
    stream.send({ node: ENVOY_NODE, type_url: EDS, resource_names: [CLUSTER], version_info: '', response_nonce: '' });
    const res = await stream.next(5000);
    expect(stream.violations).toEqual([]);
    const out = new Map<string, number>();
    for (const any of res.resources) {
      const cla = decodeToJson('envoy.config.endpoint.v3.ClusterLoadAssignment', any.value) as {
        endpoints?: { lb_endpoints?: { endpoint: { address: { socket_address: { address: string } } }; load_balancing_weight?: { value?: number } }[] }[];
      };
      for (const loc of cla.endpoints ?? []) {
        for (const lb of loc.lb_endpoints ?? []) out.set(lb.endpoint.address.socket_address.address, lb.load_balancing_weight?.value ?? 1);
      }
    }
    return out;
  } finally {
    client.close();
  }
}

describe('two replicas on Kubernetes', () => {
  let server: TestApiServer;
  let dir: string;
  const replicas: RunningWeir[] = [];

  async function replica(identity: string): Promise<RunningWeir> {
    const kubeconfig = path.join(dir, 'kubeconfig');
    const config = parseConfig(
      {
        discovery: 'kube',
        kubeconfig,
        'leader-elect': 'true',
        'lease-namespace': 'weir-system',
        identity,
        'xds-address': '127.0.0.1:0',
        'http-address': '127.0.0.1:0',
        interval: '200ms',
        'status-min-interval': '0',
      },
      {},
    );
    if (!config.valid) throw new Error(config.errors.join('\n'));
    const w = await startWeir(config.result, { log: silentLogger() });
    replicas.push(w);
    return w;
  }

  beforeAll(async () => {
    server = await TestApiServer.start();
    dir = await mkdtemp(path.join(tmpdir(), 'weir-kube-'));
    await writeFile(path.join(dir, 'kubeconfig'), server.kubeConfig().exportConfig());
    applyObject(server, serviceObject({ namespace: 'shop', name: 'echo', ports: [{ name: 'grpc', port: 8080 }] }));
    applyObject(
      server,
      sliceObject({ namespace: 'shop', service: 'echo', ports: [{ name: 'grpc', port: 50051 }], endpoints: ['10.0.0.1', '10.0.0.2'] }),
    );
  });

  afterAll(async () => {
    for (const r of replicas) await r.stop();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('one leader writes status, both serve the same endpoints, and the other takes over on stop', async () => {
    const a = await replica('weir-a');
    await waitFor(() => server.store.get(LEASES, 'weir-system', 'weir')?.spec, (s) => (s as { holderIdentity?: string } | undefined)?.holderIdentity === 'weir-a', {
      timeoutMs: 15_000,
      what: 'weir-a to hold the lease',
    });
    const b = await replica('weir-b');

    // The leader writes the EndpointWeights status, owned by the Service.
    const ew = await waitFor(
      () => server.store.get(ENDPOINT_WEIGHTS, 'shop', 'echo'),
      (o) => ((o?.status as { endpoints?: unknown[] } | undefined)?.endpoints?.length ?? 0) === 2,
      { timeoutMs: 15_000, what: 'the EndpointWeights status' },
    );
    expect(ew!.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Service', name: 'echo' });

    // Both replicas serve the same endpoints and weights to an Envoy.
    await waitFor(() => servedEndpoints(b.xdsAddress), (m) => m.size === 2, { timeoutMs: 15_000, what: 'the follower to serve both endpoints' });
    const fromA = await servedEndpoints(a.xdsAddress);
    await waitFor(() => servedEndpoints(b.xdsAddress), (m) => JSON.stringify([...m]) === JSON.stringify([...fromA]), {
      timeoutMs: 10_000,
      what: `the follower to serve the leader's weights ${JSON.stringify([...fromA])}`,
    });

    // A scale-down reaches both.
    deleteObject(server, 'EndpointSlice', 'shop', 'echo-abcde');
    applyObject(server, sliceObject({ namespace: 'shop', service: 'echo', name: 'echo-2', ports: [{ name: 'grpc', port: 50051 }], endpoints: ['10.0.0.2'] }));
    for (const r of [a, b]) {
      await waitFor(() => servedEndpoints(r.xdsAddress), (m) => [...m.keys()].join() === '10.0.0.2', { timeoutMs: 15_000, what: 'the scale-down' });
    }

    // The leader stops: it releases the lease; the other takes over.
    await a.stop();
    await waitFor(() => server.store.get(LEASES, 'weir-system', 'weir')?.spec, (s) => (s as { holderIdentity?: string } | undefined)?.holderIdentity === 'weir-b', {
      timeoutMs: 15_000,
      what: 'weir-b to take over the lease',
    });
    await waitFor(async () => (await fetch(`${b.httpUrl}/readyz`)).status, (s) => s === 200, { timeoutMs: 10_000, what: 'weir-b ready' });
  }, 90_000);

  it('a new leader continues from the weights it served as a follower, not from equal weights', async () => {
    // weir-b leads (the test before). Two endpoints again, and a follower, weir-c.
    applyObject(server, sliceObject({ namespace: 'shop', service: 'echo', name: 'echo-2', ports: [{ name: 'grpc', port: 50051 }], endpoints: ['10.0.0.2', '10.0.0.3'] }));
    const b = replicas[1]!;
    const c = await replica('weir-c');
    await waitFor(() => servedEndpoints(c.xdsAddress), (m) => m.size === 2, { timeoutMs: 15_000, what: 'the follower to serve both endpoints' });
    const addressesOf = (o: unknown) => ((o as { status?: { endpoints?: { address: string }[] } } | undefined)?.status?.endpoints ?? []).map((e) => e.address).join();
    await waitFor(() => server.store.get(ENDPOINT_WEIGHTS, 'shop', 'echo'), (o) => addressesOf(o) === '10.0.0.2,10.0.0.3', {
      timeoutMs: 15_000,
      what: 'the leader to write the status of both endpoints',
    });
    // The statuses say what the last leader served: here 10.0.0.3 cut to a quarter (no
    // Prometheus in this test, so weir-b itself serves equal weights; its writer writes
    // again only on a change of its own, so this status stands).
    const ew = server.store.get(ENDPOINT_WEIGHTS, 'shop', 'echo');
    const status = structuredClone(ew.status) as { endpoints: { address: string; weight: number; computedWeight: number; state: string }[] };
    for (const e of status.endpoints) {
      e.weight = e.computedWeight = e.address === '10.0.0.3' ? 25 : 100;
      e.state = e.address === '10.0.0.3' ? 'degraded' : 'healthy';
    }
    server.store.update(ENDPOINT_WEIGHTS, 'shop', 'echo', { ...ew, status }, 'status');
    const cut = JSON.stringify([['10.0.0.2', 100], ['10.0.0.3', 25]]);
    await waitFor(() => servedEndpoints(c.xdsAddress), (m) => JSON.stringify([...m]) === cut, { timeoutMs: 10_000, what: 'the follower to serve the status' });

    await b.stop();
    await waitFor(() => server.store.get(LEASES, 'weir-system', 'weir')?.spec, (s) => (s as { holderIdentity?: string } | undefined)?.holderIdentity === 'weir-c', {
      timeoutMs: 15_000,
      what: 'weir-c to take over the lease',
    });
    // As leader weir-c computes the weights and writes them: the cut endpoint stays cut
    // (without data the engine holds what it starts from; a clean state was equal weights).
    const written = await waitFor(
      () => server.store.get(ENDPOINT_WEIGHTS, 'shop', 'echo'),
      (o) => (o?.status as { observedTime?: string } | undefined)?.observedTime !== (ew.status as { observedTime?: string }).observedTime,
      { timeoutMs: 15_000, what: 'weir-c to write the status as leader' },
    );
    const weights = (written!.status as { endpoints: { address: string; weight: number }[] }).endpoints.map((e) => [e.address, e.weight]);
    expect(JSON.stringify(weights)).toBe(cut);
    expect(JSON.stringify([...(await servedEndpoints(c.xdsAddress))])).toBe(cut);
  }, 60_000);
});
