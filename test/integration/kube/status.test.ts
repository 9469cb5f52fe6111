import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { Registry } from 'prom-client';
import { startKubeDiscovery, type KubeDiscovery } from '../../../src/discovery/kube/index.js';
import { silentLogger } from '../../../src/lib/log.js';
import { createStatusWriter, type EwStatus, type StatusWriter, type StatusWriterOptions } from '../../../src/status/index.js';
import {
  applyObject,
  deleteObject,
  ENDPOINT_WEIGHTS,
  EVENTS,
  reportFor,
  serviceObject,
  sliceObject,
  TestApiServer,
  waitFor,
  type KubeObject,
} from '../../support/kube-api/index.js';

let server: TestApiServer;
let discovery: KubeDiscovery;
let writer: StatusWriter | undefined;

beforeEach(async () => {
  server = await TestApiServer.start();
  discovery = await startKubeDiscovery({ kubeConfig: server.kubeConfig(), log: silentLogger(), holdOffMs: 10 });
  await waitFor(() => discovery.synced(), 'sync');
});
afterEach(async () => {
  await writer?.stop();
  writer = undefined;
  await discovery.stop();
  await server.close();
});

function start(o: Partial<StatusWriterOptions> = {}): StatusWriter {
  writer = createStatusWriter({ kubeConfig: server.kubeConfig(), log: silentLogger(), registry: new Registry(), minIntervalMs: 200, ...o });
  return writer;
}

async function addService(name: string, ips: string[], annotations: Record<string, string> = {}): Promise<void> {
  applyObject(server, serviceObject({ name, annotations }));
  applyObject(server, sliceObject({ service: name, endpoints: ips.map((address, i) => ({ address, pod: `${name}-${i}` })) }));
  await waitFor(() => discovery.current().services.get(`default/${name}`)?.endpoints.length === ips.length, `${name} discovered`);
}

const ew = (name: string): (KubeObject & { status?: EwStatus }) | undefined => {
  try {
    return server.store.get(ENDPOINT_WEIGHTS, 'default', name) as KubeObject & { status?: EwStatus };
  } catch {
    return undefined;
  }
};
const events = (): { reason: string; message: string; count: number; type: string }[] =>
  server.store.list(EVENTS, 'default') as unknown as { reason: string; message: string; count: number; type: string }[];
const statusWrites = (): number => server.count({ method: 'PATCH', resource: 'endpointweights', subresource: 'status', status: 200 });

describe('status writer', () => {
  test('creates one EndpointWeights per Service, owned by it, with the status kubectl shows', async () => {
    await addService('web', ['10.0.0.1', '10.0.0.2']);
    const w = start();
    const weights = new Map([['10.0.0.1', 150], ['10.0.0.2', 50]]);
    w.report(reportFor(discovery.current(), Date.now(), { weight: (_, a) => weights.get(a)! }));
    const obj = await waitFor(() => ew('web')?.status && ew('web'), 'EndpointWeights');
    const svc = server.store.get(server.store.resources[0]!, 'default', 'web');
    expect(obj.metadata.ownerReferences).toEqual([
      { apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata.uid, controller: true, blockOwnerDeletion: false },
    ]);
    expect(obj.status).toMatchObject({
      mode: 'enforce',
      panic: false,
      endpointCount: 2,
      ejectedCount: 0,
      spread: 3,
      conditions: [
        { type: 'Ready', status: 'True', reason: 'WeightsServed' },
        { type: 'MetricsAvailable', status: 'True', reason: 'SignalsFresh' },
      ],
      endpoints: [
        { address: '10.0.0.1', pod: 'web-0', zone: 'zone-a', weight: 150, computedWeight: 150, state: 'healthy', signals: { latencyMs: 12.35, errorRatio: 0.001 } },
        { address: '10.0.0.2', pod: 'web-1', zone: 'zone-a', weight: 50, computedWeight: 50, state: 'healthy' },
      ],
    });
    // The Service is deleted: the EndpointWeights goes with it, and is not written again.
    deleteObject(server, 'Service', 'default', 'web');
    expect(ew('web')).toBeUndefined();
    await waitFor(() => !discovery.current().services.has('default/web'), 'web gone');
    w.report(reportFor(discovery.current(), Date.now()));
    await w.idle();
    expect(ew('web')).toBeUndefined();
  });

  test('a Service deleted and created again gets a new EndpointWeights with its status', async () => {
    await addService('web', ['10.0.0.1']);
    const w = start({ minIntervalMs: 50 });
    w.report(reportFor(discovery.current(), Date.now()));
    await waitFor(() => ew('web')?.status, 'status');
    const oldUid = discovery.current().services.get('default/web')!.uid;
    deleteObject(server, 'Service', 'default', 'web');
    applyObject(server, serviceObject({ name: 'web' }));
    const newUid = await waitFor(() => {
      const uid = discovery.current().services.get('default/web')?.uid;
      return uid !== undefined && uid !== oldUid && uid;
    }, 'recreated');
    w.report(reportFor(discovery.current(), Date.now()));
    const obj = await waitFor(() => ew('web')?.status && ew('web'), 'new EndpointWeights with status');
    expect(obj.metadata.ownerReferences?.[0]?.uid).toBe(newUid);
  });

  test('a new writer (restart, new leader) patches existing objects without reading each', async () => {
    for (const name of ['a', 'b', 'c']) await addService(name, ['10.0.0.1']);
    const first = start({ minIntervalMs: 0 });
    first.report(reportFor(discovery.current(), Date.now(), { weight: () => 10 }));
    await waitFor(() => ['a', 'b', 'c'].every((n) => ew(n)?.status?.endpoints[0]?.weight === 10), 'first writer done');
    await first.stop();
    // Counted by position, not time: the first writer's last PATCH, recorded as it was
    // answered, could carry the same millisecond as a timestamp taken after stop().
    const from = server.requests.length;
    const second = start({ minIntervalMs: 0 });
    second.report(reportFor(discovery.current(), Date.now(), { weight: () => 20 }));
    await waitFor(() => ['a', 'b', 'c'].every((n) => ew(n)?.status?.endpoints[0]?.weight === 20), 'second writer done');
    const ewRequests = server.requests.slice(from).filter((r) => r.resource === 'endpointweights');
    expect(ewRequests.map((r) => `${r.method}${r.name ? '' : ' (list)'}`).sort()).toEqual(['GET (list)', 'PATCH', 'PATCH', 'PATCH']);
  });

  test('opting out deletes the EndpointWeights', async () => {
    await addService('web', ['10.0.0.1']);
    const w = start();
    w.report(reportFor(discovery.current(), Date.now()));
    await waitFor(() => ew('web')?.status, 'status');
    applyObject(server, serviceObject({ name: 'web', annotations: { 'weir.dev/enabled': 'false' } }));
    await waitFor(() => !discovery.current().services.has('default/web'), 'opted out');
    w.report(reportFor(discovery.current(), Date.now()));
    await waitFor(() => ew('web') === undefined, 'EndpointWeights deleted');
  });

  test('writes only on a meaningful change, at most every minInterval, and the last state lands', async () => {
    await addService('web', ['10.0.0.1', '10.0.0.2']);
    const w = start({ minIntervalMs: 300 });
    const t0 = Date.now();
    let i = 0;
    // 60 ticks, 20 ms apart, every one with new weights.
    for (; i < 60; i++) {
      const v = 60 + i;
      w.report(reportFor(discovery.current(), Date.now(), { weight: (_, a) => (a === '10.0.0.1' ? v : 100) }));
      await new Promise((r) => setTimeout(r, 20));
    }
    const elapsed = Date.now() - t0;
    await waitFor(() => ew('web')?.status?.endpoints[0]?.weight === 60 + i - 1, 'last weights written');
    expect(statusWrites()).toBeLessThanOrEqual(Math.ceil(elapsed / 300) + 2);
    expect(statusWrites()).toBeGreaterThanOrEqual(2);
    // Identical ticks write nothing more.
    const before = statusWrites();
    for (let j = 0; j < 10; j++) w.report(reportFor(discovery.current(), Date.now(), { weight: (_, a) => (a === '10.0.0.1' ? 60 + i - 1 : 100) }));
    await new Promise((r) => setTimeout(r, 400));
    expect(statusWrites()).toBe(before);
  });

  test('signals alone are refreshed on the slow timer', async () => {
    await addService('web', ['10.0.0.1']);
    const w = start({ minIntervalMs: 50, refreshIntervalMs: 800 });
    const tickWith = (latencyMs: number): void => w.report(reportFor(discovery.current(), Date.now(), { signals: () => ({ latencyMs }) }));
    const t0 = Date.now();
    tickWith(10);
    await waitFor(() => ew('web')?.status?.endpoints[0]?.signals.latencyMs === 10, 'first write');
    tickWith(20);
    await new Promise((r) => setTimeout(r, 100));
    // Not yet, unless the machine was so slow that the refresh interval passed already.
    if (Date.now() - t0 < 700) expect(ew('web')?.status?.endpoints[0]?.signals.latencyMs).toBe(10);
    await waitFor(() => ew('web')?.status?.endpoints[0]?.signals.latencyMs === 20, 'refreshed');
    // The refresh counts from the first write's start, which came after t0.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(800);
  });

  test('the global rate limit bounds writes under churn', async () => {
    for (let s = 0; s < 30; s++) {
      applyObject(server, serviceObject({ name: `s${s}` }));
      applyObject(server, sliceObject({ service: `s${s}`, endpoints: ['10.0.0.1', '10.0.0.2'] }));
    }
    await waitFor(() => discovery.current().services.size === 30, 'thirty services');
    const w = start({ minIntervalMs: 0, writesPerSecond: 60 });
    const t0 = Date.now();
    for (let tick = 0; tick < 10; tick++) {
      w.report(reportFor(discovery.current(), Date.now(), { weight: (_, a) => (a === '10.0.0.1' ? 50 + tick : 100) }));
      await new Promise((r) => setTimeout(r, 50));
    }
    await waitFor(() => [...Array(30).keys()].every((s) => ew(`s${s}`)?.status?.endpoints[0]?.weight === 59), 'all converged', 20_000);
    const seconds = (Date.now() - t0) / 1000;
    const writes = server.requests.filter((r) => r.resource === 'endpointweights').length;
    // Token bucket: burst of 60 plus 60 per second (every request takes a token).
    expect(writes).toBeLessThanOrEqual(60 + 60 * seconds + 1);
    expect(writes).toBeGreaterThanOrEqual(60);
  });

  test('a conflicting write is re-read and retried; a newer status is never clobbered', async () => {
    await addService('web', ['10.0.0.1']);
    const w = start({ minIntervalMs: 0 });
    const t = Date.now();
    w.report(reportFor(discovery.current(), t, { weight: () => 70 }));
    await waitFor(() => ew('web')?.status?.endpoints[0]?.weight === 70, 'first write');
    // Someone else changes the object: our resourceVersion is stale.
    const cur = ew('web')!;
    server.store.update(ENDPOINT_WEIGHTS, 'default', 'web', { ...cur, metadata: { ...cur.metadata, labels: { touched: 'yes' } } });
    w.report(reportFor(discovery.current(), t + 1000, { weight: () => 80 }));
    await waitFor(() => ew('web')?.status?.endpoints[0]?.weight === 80, 'written after conflict');
    expect(server.count({ method: 'PATCH', resource: 'endpointweights', status: 409 })).toBe(1);
    // Another replica writes a status from a later tick; ours from an earlier tick gives way.
    const other = ew('web')!;
    server.store.update(ENDPOINT_WEIGHTS, 'default', 'web', { ...other, status: { ...other.status!, observedTime: new Date(t + 60_000).toISOString(), endpoints: [] } }, 'status');
    w.report(reportFor(discovery.current(), t + 2000, { weight: () => 90 }));
    await waitFor(() => server.count({ method: 'PATCH', resource: 'endpointweights', status: 409 }) === 2, 'second conflict');
    await w.idle();
    expect(ew('web')?.status?.observedTime).toBe(new Date(t + 60_000).toISOString());
  });

  test('500s on status writes are retried later', async () => {
    await addService('web', ['10.0.0.1']);
    const w = start({ minIntervalMs: 100 });
    server.failRequests(2, { method: 'PATCH', resource: 'endpointweights' });
    w.report(reportFor(discovery.current(), Date.now(), { weight: () => 42 }));
    await waitFor(() => ew('web')?.status?.endpoints[0]?.weight === 42, 'written after 500s');
  });

  test('Events: bad annotations once, ejections aggregated, shifts summarised', async () => {
    await addService('web', ['10.0.0.1', '10.0.0.2'], { 'weir.dev/max-step': '3' });
    const w = start({ minIntervalMs: 100 });
    const eject = { serviceId: 'default/web', kind: 'eject' as const, endpoint: '10.0.0.2', reason: 'error ratio 0.4 > 0.1' };
    for (let i = 0; i < 5; i++) w.report(reportFor(discovery.current(), Date.now(), { decisions: [eject] }));
    await waitFor(() => events().find((e) => e.reason === 'EndpointEjected')?.count === 5, 'aggregated ejection');
    const bad = events().filter((e) => e.reason === 'InvalidAnnotation');
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatchObject({ type: 'Warning', count: 1 });
    expect(bad[0]!.message).toMatch(/^Annotation weir.dev\/max-step: value "3": must be between .* and 1; keeping /);
    expect(events().find((e) => e.reason === 'EndpointEjected')!.message).toBe('Endpoint 10.0.0.2 (pod web-1) ejected: error ratio 0.4 > 0.1');
    await new Promise((r) => setTimeout(r, 150));
    w.report(reportFor(discovery.current(), Date.now(), { weight: (_, a) => (a === '10.0.0.1' ? 160 : 40) }));
    const shift = await waitFor(() => events().find((e) => e.reason === 'WeightsShifted'), 'shift summary');
    expect(shift.message).toBe(
      'Weights shifted on 2 of 2 endpoint(s): 10.0.0.1 (pod web-0) 100→160 (latency 300ms > target 250ms); 10.0.0.2 (pod web-1) 100→40 (latency 300ms > target 250ms)',
    );
    expect(events().filter((e) => e.reason === 'InvalidAnnotation')).toHaveLength(1);
  });
});
