import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { silentLogger } from '../../../src/lib/log.js';
import { createStatusWriter, startLeaderElection, watchPublishedWeights, type LeaderElection } from '../../../src/status/index.js';
import { startKubeDiscovery } from '../../../src/discovery/kube/index.js';
import { applyObject, LEASES, reportFor, serviceObject, sliceObject, TestApiServer, waitFor } from '../../support/kube-api/index.js';

let server: TestApiServer;
const cleanups: (() => Promise<void>)[] = [];

beforeEach(async () => {
  server = await TestApiServer.start();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await server.close();
});

const LEASE_MS = 1_000;
function candidate(identity: string): LeaderElection {
  const e = startLeaderElection({
    kubeConfig: server.kubeConfig(),
    log: silentLogger(),
    namespace: 'weir-system',
    identity,
    leaseDurationMs: LEASE_MS,
    renewDeadlineMs: 600,
    retryPeriodMs: 100,
  });
  cleanups.push(() => e.stop({ release: false }));
  return e;
}

/** Samples both candidates until `until` holds, failing if both ever lead at once. */
async function watchPair(a: LeaderElection, b: LeaderElection, until: () => boolean, what: string): Promise<number> {
  const t0 = Date.now();
  await waitFor(() => {
    if (a.isLeader() && b.isLeader()) throw new Error('two leaders at once');
    return until();
  }, what, 10_000, 5);
  return Date.now() - t0;
}

describe('leader election', () => {
  test('one leader; a released lease is taken over at once, a crashed leader within the lease duration', async () => {
    const a = candidate('a');
    await waitFor(() => a.isLeader(), 'a leads');
    const b = candidate('b');
    const changes: boolean[] = [];
    b.onChange((l) => changes.push(l));
    await new Promise((r) => setTimeout(r, 300));
    expect(b.isLeader()).toBe(false);

    // a stops cleanly: it releases the lease, b takes over well within a lease duration.
    await a.stop();
    const released = await watchPair(a, b, () => b.isLeader(), 'b leads after release');
    expect(released).toBeLessThan(LEASE_MS);
    const lease = server.store.get(LEASES, 'weir-system', 'weir');
    expect(lease.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });

    // b crashes (no release): c takes over once the lease has expired.
    const c = candidate('c');
    await new Promise((r) => setTimeout(r, 200));
    expect(c.isLeader()).toBe(false);
    const crashedAt = Date.now();
    await b.stop({ release: false });
    await watchPair(b, c, () => c.isLeader(), 'c leads after crash');
    const took = Date.now() - crashedAt;
    expect(took).toBeGreaterThanOrEqual(LEASE_MS - 250);
    expect(took).toBeLessThan(LEASE_MS * 4);
    expect(changes).toEqual([true, false]);
  });

  test('a leader that cannot renew steps down before its lease expires', async () => {
    const a = candidate('a');
    await waitFor(() => a.isLeader(), 'a leads');
    const t0 = Date.now();
    server.failRequests(1_000, { resource: 'leases' });
    await waitFor(() => !a.isLeader(), 'a steps down');
    expect(Date.now() - t0).toBeLessThan(LEASE_MS + 500);
  });

  test('followers serve the weights the leader published', async () => {
    applyObject(server, serviceObject({ name: 'web' }));
    applyObject(server, sliceObject({ service: 'web', endpoints: ['10.0.0.1', '10.0.0.2'] }));
    const discovery = await startKubeDiscovery({ kubeConfig: server.kubeConfig(), log: silentLogger(), holdOffMs: 10 });
    cleanups.push(() => discovery.stop());
    await waitFor(() => discovery.current().services.has('default/web'), 'discovered');
    const follower = watchPublishedWeights({ kubeConfig: server.kubeConfig(), log: silentLogger(), backoff: { initialMs: 20, maxMs: 100 } });
    cleanups.push(() => follower.stop());
    await waitFor(() => follower.synced(), 'follower synced');
    const writer = createStatusWriter({ kubeConfig: server.kubeConfig(), log: silentLogger(), minIntervalMs: 0 });
    cleanups.push(() => writer.stop());
    writer.report(reportFor(discovery.current(), Date.now(), { weight: (_, a) => (a === '10.0.0.1' ? 30 : 170) }));
    await waitFor(() => follower.current().get('default/web')?.get('10.0.0.2') === 170, 'published weights');
    expect([...follower.current().get('default/web')!]).toEqual([
      ['10.0.0.1', 30],
      ['10.0.0.2', 170],
    ]);
    // The Service goes: so do its weights.
    server.store.delete(server.store.resources[0]!, 'default', 'web');
    await waitFor(() => !follower.current().has('default/web'), 'weights withdrawn');
  });
});
