import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { Registry } from 'prom-client';
import { startKubeDiscovery, type KubeDiscovery } from '../../../src/discovery/kube/index.js';
import { silentLogger } from '../../../src/lib/log.js';
import type { Service } from '../../../src/model/index.js';
import { applyObject, deleteObject, serviceObject, sliceObject, TestApiServer, waitFor } from '../../support/kube-api/index.js';

let server: TestApiServer;
let discovery: KubeDiscovery | undefined;

beforeEach(async () => {
  server = await TestApiServer.start({ bookmarkIntervalMs: 200 });
});
afterEach(async () => {
  await discovery?.stop();
  discovery = undefined;
  await server.close();
});

async function start(namespaces?: string[]): Promise<KubeDiscovery> {
  discovery = await startKubeDiscovery({
    kubeConfig: server.kubeConfig(),
    namespaces,
    log: silentLogger(),
    registry: new Registry(),
    holdOffMs: 20,
    backoff: { initialMs: 20, maxMs: 200 },
  });
  await waitFor(() => discovery!.synced(), 'initial sync');
  return discovery;
}

const svc = (d: KubeDiscovery, id = 'default/web'): Service | undefined => d.current().services.get(id);
const addresses = (d: KubeDiscovery, id = 'default/web'): string[] => svc(d, id)?.endpoints.map((e) => e.address) ?? [];

describe('kube discovery', () => {
  test('an opted-in Service with its slices becomes a Service of the Topology', async () => {
    applyObject(server, serviceObject({ name: 'web', ports: [{ name: 'http', port: 80 }, { name: 'grpc', port: 9090 }] }));
    applyObject(server, serviceObject({ name: 'other', enabled: false }));
    applyObject(
      server,
      sliceObject({
        service: 'web',
        ports: [{ name: 'http', port: 8080 }, { name: 'grpc', port: 9000 }],
        endpoints: [{ address: '10.0.0.2', zone: 'zone-b', pod: 'web-2' }, { address: '10.0.0.1', pod: 'web-1' }],
      }),
    );
    const d = await start();
    const s = await waitFor(() => svc(d), 'web in topology');
    expect(s.uid).toMatch(/-/);
    expect(s.ports).toEqual([
      { name: 'http', port: 80, protocol: 'TCP' },
      { name: 'grpc', port: 9090, protocol: 'TCP' },
    ]);
    expect(s.endpoints).toEqual([
      { address: '10.0.0.1', ports: { grpc: 9000, http: 8080 }, pod: 'web-1', zone: 'zone-a', ready: true, serving: true, terminating: false },
      { address: '10.0.0.2', ports: { grpc: 9000, http: 8080 }, pod: 'web-2', zone: 'zone-b', ready: true, serving: true, terminating: false },
    ]);
    expect(d.current().services.has('default/other')).toBe(false);
  });

  test('opt-in, opt-out and deletion follow the Service', async () => {
    applyObject(server, serviceObject({ name: 'web', enabled: false }));
    applyObject(server, sliceObject({ service: 'web', endpoints: ['10.0.0.1'] }));
    const d = await start();
    expect(d.current().services.size).toBe(0);
    applyObject(server, serviceObject({ name: 'web' }));
    await waitFor(() => svc(d), 'opt-in');
    applyObject(server, serviceObject({ name: 'web', annotations: { 'weir.dev/enabled': 'false' } }));
    await waitFor(() => !svc(d), 'opt-out');
    applyObject(server, serviceObject({ name: 'web' }));
    await waitFor(() => svc(d), 'opt-in again');
    deleteObject(server, 'Service', 'default', 'web');
    await waitFor(() => !svc(d), 'deletion');
  });

  test('scaling up and down, pods terminating, dual-stack', async () => {
    applyObject(server, serviceObject({ name: 'web' }));
    applyObject(server, sliceObject({ service: 'web', endpoints: ['10.0.0.1'] }));
    const d = await start();
    await waitFor(() => addresses(d).length === 1, 'one endpoint');
    applyObject(server, sliceObject({ service: 'web', endpoints: ['10.0.0.1', '10.0.0.2', '10.0.0.3'] }));
    await waitFor(() => addresses(d).length === 3, 'scaled up');
    applyObject(server, sliceObject({ service: 'web', endpoints: ['10.0.0.1', { address: '10.0.0.2', terminating: true, serving: true }, '10.0.0.3'] }));
    await waitFor(() => svc(d)?.endpoints[1]?.terminating, 'terminating');
    expect(svc(d)?.endpoints[1]).toMatchObject({ address: '10.0.0.2', ready: false, serving: true, terminating: true });
    applyObject(server, sliceObject({ service: 'web', endpoints: ['10.0.0.1'] }));
    await waitFor(() => addresses(d).length === 1, 'scaled down');
    applyObject(server, sliceObject({ service: 'web', name: 'web-v6', addressType: 'IPv6', endpoints: ['FD00::1'] }));
    await waitFor(() => addresses(d).length === 2, 'dual-stack');
    expect(addresses(d)).toEqual(['10.0.0.1', 'fd00::1']);
  });

  test('slices split and merged keep every endpoint', async () => {
    applyObject(server, serviceObject({ name: 'web' }));
    applyObject(server, sliceObject({ service: 'web', name: 'web-a', endpoints: ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'] }));
    const d = await start();
    await waitFor(() => addresses(d).length === 4, 'four endpoints');
    const seen: string[][] = [];
    d.onChange((t) => seen.push(t.services.get('default/web')?.endpoints.map((e) => e.address) ?? []));
    // Split: the new slice appears before the old one shrinks (duplicates for a moment).
    applyObject(server, sliceObject({ service: 'web', name: 'web-b', endpoints: ['10.0.0.3', '10.0.0.4'] }));
    applyObject(server, sliceObject({ service: 'web', name: 'web-a', endpoints: ['10.0.0.1', '10.0.0.2'] }));
    // Nothing to wait for (the endpoint list does not change): give the hold-off a few rounds.
    await new Promise((r) => setTimeout(r, 200));
    expect(addresses(d)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']);
    // Merge back.
    applyObject(server, sliceObject({ service: 'web', name: 'web-a', endpoints: ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'] }));
    deleteObject(server, 'EndpointSlice', 'default', 'web-b');
    // A sentinel on the same watch stream: once it shows, everything before it was seen.
    applyObject(server, sliceObject({ service: 'web', name: 'web-z', ports: [{ name: 'nope', port: 1 }], endpoints: ['10.0.0.9'] }));
    await waitFor(() => svc(d)?.sourceProblems?.length === 2, 'merged, sentinel seen');
    for (const s of seen) expect(s).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']);
    expect(svc(d)?.sourceProblems?.every((p) => p.object === 'EndpointSlice default/web-z')).toBe(true);
  });

  test('a no-op update emits no new Topology', async () => {
    applyObject(server, serviceObject({ name: 'web' }));
    applyObject(server, sliceObject({ service: 'web', endpoints: ['10.0.0.1'] }));
    const d = await start();
    const before = await waitFor(() => svc(d), 'web');
    let emitted = 0;
    d.onChange(() => emitted++);
    const obj = serviceObject({ name: 'web' });
    obj.metadata.labels = { team: 'a' };
    applyObject(server, obj);
    applyObject(server, serviceObject({ name: 'sentinel' }));
    await waitFor(() => d.current().services.has('default/sentinel'), 'sentinel');
    expect(emitted).toBe(1);
    expect(svc(d)).toBe(before);
  });

  test('bad input is reported and skipped, and never withdraws good endpoints', async () => {
    applyObject(server, serviceObject({ name: 'web', annotations: { 'weir.dev/latency-target': 'fast', 'weir.dev/colour': 'blue' } }));
    applyObject(server, sliceObject({ service: 'web', name: 'web-a', endpoints: ['10.0.0.1', 'not-an-ip', '10.0.0.2'] }));
    applyObject(server, sliceObject({ service: 'web', name: 'web-b', endpoints: ['10.0.0.2'] }));
    applyObject(server, sliceObject({ service: 'web', name: 'web-c', ports: [{ name: 'nope', port: 1 }], endpoints: ['10.0.0.9'] }));
    const broken = sliceObject({ service: 'web', name: 'web-d', endpoints: ['10.0.0.7'] });
    (broken.endpoints as { addresses?: string[] }[])[0]!.addresses = undefined;
    applyObject(server, broken);
    const d = await start();
    const s = await waitFor(() => svc(d), 'web');
    expect(s.endpoints.map((e) => e.address)).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(s.policy.latencyTargetMs).toBe(250);
    expect(s.problems.map((p) => p.annotation)).toEqual(['weir.dev/colour', 'weir.dev/latency-target']);
    const reasons = (s.sourceProblems ?? []).map((p) => `${p.object}: ${p.reason}`);
    expect(reasons).toEqual([
      'EndpointSlice default/web-a: endpoints[1]: address "not-an-ip" is not an IPv4 address; skipped',
      'EndpointSlice default/web-b: endpoints[0]: address 10.0.0.2 (port http) is also in EndpointSlice web-a; duplicate ignored',
      'EndpointSlice default/web-c: ports[0]: port name "nope" matches no port of the Service; skipped',
      'EndpointSlice default/web-c: no port matches a port of the Service; slice skipped',
      'EndpointSlice default/web-d: endpoints[0]: no address; skipped',
    ]);
  });

  test('watches only the configured namespaces', async () => {
    applyObject(server, serviceObject({ name: 'web', namespace: 'a' }));
    applyObject(server, serviceObject({ name: 'web', namespace: 'b' }));
    applyObject(server, sliceObject({ service: 'web', namespace: 'a', endpoints: ['10.0.0.1'] }));
    const d = await start(['a']);
    await waitFor(() => svc(d, 'a/web')?.endpoints.length === 1, 'a/web');
    expect(d.current().services.has('b/web')).toBe(false);
    expect(server.count({ resource: 'services', watch: true })).toBeGreaterThan(0);
    expect(server.requests.filter((r) => r.resource === 'services').every((r) => r.namespace === 'a')).toBe(true);
  });
});
