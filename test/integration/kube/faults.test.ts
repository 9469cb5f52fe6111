import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { Registry } from 'prom-client';
import { startKubeDiscovery, type KubeDiscovery } from '../../../src/discovery/kube/index.js';
import { silentLogger } from '../../../src/lib/log.js';
import { applyObject, deleteObject, serviceObject, sliceObject, TestApiServer, waitFor } from '../../support/kube-api/index.js';

let server: TestApiServer;
let discovery: KubeDiscovery | undefined;
let registry: Registry;

beforeEach(async () => {
  server = await TestApiServer.start({ bookmarkIntervalMs: 100 });
  registry = new Registry();
  applyObject(server, serviceObject({ name: 'web' }));
  applyObject(server, sliceObject({ service: 'web', endpoints: ['10.0.0.1', '10.0.0.2'] }));
});
afterEach(async () => {
  await discovery?.stop();
  discovery = undefined;
  await server.close();
});

async function start(): Promise<KubeDiscovery> {
  discovery = await startKubeDiscovery({
    kubeConfig: server.kubeConfig(),
    log: silentLogger(),
    registry,
    holdOffMs: 20,
    backoff: { initialMs: 20, maxMs: 200 },
  });
  await waitFor(() => discovery!.synced(), 'initial sync');
  return discovery;
}

const addresses = (d: KubeDiscovery): string[] => d.current().services.get('default/web')?.endpoints.map((e) => e.address) ?? [];
const restarts = async (): Promise<number> => (await registry.getSingleMetric('weir_kube_watch_restarts_total')!.get()).values.reduce((a, v) => a + v.value, 0);
const setSlice = (...ips: string[]): void => void applyObject(server, sliceObject({ service: 'web', endpoints: ips }));

describe('kube discovery under faults', () => {
  test('a dropped watch is re-established and missed changes arrive', async () => {
    const d = await start();
    await waitFor(() => server.openWatchCount() === 2, 'two watches');
    server.dropWatches();
    setSlice('10.0.0.1', '10.0.0.2', '10.0.0.3');
    await waitFor(() => addresses(d).length === 3, 'change made while disconnected');
    await waitFor(() => server.openWatchCount() === 2, 'watches back');
    expect(await restarts()).toBeGreaterThan(0);
    // Resumed from the last version, not relisted.
    expect(server.count({ method: 'GET', resource: 'endpointslices', watch: false })).toBe(1);
  });

  test('500s on lists and watches stop nothing: the informer restarts and the state is right', async () => {
    server.failRequests(3, { resource: 'endpointslices', watch: false });
    const d = await start();
    expect(addresses(d)).toEqual(['10.0.0.1', '10.0.0.2']);
    server.failRequests(4, { watch: true });
    server.endWatches();
    setSlice('10.0.0.5');
    deleteObject(server, 'Service', 'default', 'web');
    applyObject(server, serviceObject({ name: 'web', annotations: { 'weir.dev/mode': 'shadow' } }));
    await waitFor(() => d.current().services.get('default/web')?.policy.mode === 'shadow' && addresses(d).join() === '10.0.0.5', 'state after 500s');
    expect(server.count({ status: 500 })).toBe(7);
    expect(await restarts()).toBeGreaterThanOrEqual(7);
    await waitFor(() => server.openWatchCount() === 2, 'watching again');
  });

  test('an expired resourceVersion (410 Gone) makes the informer relist, deletions included', async () => {
    const d = await start();
    await waitFor(() => server.openWatchCount() === 2, 'two watches');
    server.dropWatches();
    setSlice('10.0.0.9');
    applyObject(server, serviceObject({ name: 'api' }));
    applyObject(server, sliceObject({ service: 'api', endpoints: ['10.1.0.1'] }));
    server.expireHistory();
    await waitFor(() => addresses(d).join() === '10.0.0.9' && d.current().services.has('default/api'), 'relisted state');
    deleteObject(server, 'Service', 'default', 'api');
    await waitFor(() => !d.current().services.has('default/api'), 'delete after relist');
    expect(server.count({ method: 'GET', resource: 'endpointslices', watch: false })).toBe(2);
  });

  test('bookmarks keep a quiet watch resumable after the history moved on', async () => {
    const d = await start();
    await waitFor(() => server.openWatchCount() === 2, 'two watches');
    // Services change a lot (slices do not): the slice watch's own version gets old.
    for (let i = 0; i < 20; i++) applyObject(server, serviceObject({ name: `s${i}`, enabled: false }));
    await new Promise((r) => setTimeout(r, 300));
    server.expireHistory();
    server.dropWatches();
    setSlice('10.0.0.4');
    await waitFor(() => addresses(d).join() === '10.0.0.4', 'change after reconnect');
    expect(server.requests.some((r) => r.watch && r.query.allowWatchBookmarks === 'true')).toBe(true);
  });

  test('slow responses delay but do not break the sync', async () => {
    server.delayMs = 300;
    const d = await start();
    expect(addresses(d)).toEqual(['10.0.0.1', '10.0.0.2']);
    setSlice('10.0.0.7');
    await waitFor(() => addresses(d).join() === '10.0.0.7', 'change through a slow server');
  });
});
