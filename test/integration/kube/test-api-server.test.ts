import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions, Watch } from '@kubernetes/client-node';
import { applyObject, ENDPOINT_WEIGHTS, serviceObject, TestApiServer, waitFor } from '../../support/kube-api/index.js';

let server: TestApiServer;
beforeEach(async () => {
  server = await TestApiServer.start({ bookmarkIntervalMs: 50, historyLimit: 5 });
});
afterEach(async () => {
  await server.close();
});

describe('test API server', () => {
  test('list and watch with resourceVersion, label selectors and bookmarks', async () => {
    const core = server.kubeConfig().makeApiClient(CoreV1Api);
    applyObject(server, serviceObject({ name: 'a' }));
    const list = await core.listServiceForAllNamespaces();
    expect(list.items.map((s) => s.metadata?.name)).toEqual(['a']);
    const events: string[] = [];
    const watch = new Watch(server.kubeConfig());
    const req = await watch.watch(
      '/api/v1/services',
      { resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true, labelSelector: 'app in (x)' },
      (type: string, obj: { metadata?: { name?: string } }) => events.push(`${type}:${obj.metadata?.name ?? ''}`),
      () => undefined,
    );
    const b = serviceObject({ name: 'b' });
    b.metadata.labels = { app: 'x' };
    applyObject(server, b);
    applyObject(server, serviceObject({ name: 'c' }));
    b.metadata.labels = { app: 'y' };
    applyObject(server, b);
    await waitFor(() => events.includes('BOOKMARK:'), 'bookmark');
    req.abort();
    expect(events.filter((e) => e !== 'BOOKMARK:')).toEqual(['ADDED:b', 'DELETED:b']);
  });

  test('a kubeconfig file points client-node at the server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weir-kubeconfig-'));
    try {
      const kc = new KubeConfig();
      kc.loadFromFile(server.writeKubeconfig(join(dir, 'config')));
      applyObject(server, serviceObject({ name: 'a' }));
      const list = await kc.makeApiClient(CoreV1Api).listNamespacedService({ namespace: 'default' });
      expect(list.items.map((s) => s.metadata?.name)).toEqual(['a']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('410 Gone for an expired version; 409 on a stale status patch; owners cascade', async () => {
    const svc = applyObject(server, serviceObject({ name: 'web' }));
    for (let i = 0; i < 10; i++) applyObject(server, serviceObject({ name: `x${i}` }));
    const events: { type: string; code?: number }[] = [];
    await new Watch(server.kubeConfig()).watch(
      '/api/v1/services',
      { resourceVersion: '1' },
      (type: string, obj: { code?: number }) => events.push({ type, code: obj.code }),
      () => undefined,
    );
    await waitFor(() => events.length > 0, 'error event');
    expect(events[0]).toEqual({ type: 'ERROR', code: 410 });

    const custom = server.kubeConfig().makeApiClient(CustomObjectsApi);
    const base = { group: 'weir.dev', version: 'v1alpha1', namespace: 'default', plural: 'endpointweights' };
    const ew = (await custom.createNamespacedCustomObject({
      ...base,
      body: {
        apiVersion: 'weir.dev/v1alpha1',
        kind: 'EndpointWeights',
        metadata: { name: 'web', ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata.uid }] },
        status: { ignored: true },
      },
    })) as { metadata: { resourceVersion: string }; status?: unknown };
    expect(ew.status).toBeUndefined();
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const patched = (await custom.patchNamespacedCustomObjectStatus(
      { ...base, name: 'web', body: { metadata: { resourceVersion: ew.metadata.resourceVersion }, status: { mode: 'enforce' } } },
      merge,
    )) as { status: unknown };
    expect(patched.status).toEqual({ mode: 'enforce' });
    await expect(
      custom.patchNamespacedCustomObjectStatus(
        { ...base, name: 'web', body: { metadata: { resourceVersion: ew.metadata.resourceVersion }, status: { mode: 'shadow' } } },
        merge,
      ),
    ).rejects.toMatchObject({ code: 409 });
    server.store.delete(server.store.resources.find((r) => r.plural === 'services')!, 'default', 'web');
    expect(server.store.list(ENDPOINT_WEIGHTS)).toEqual([]);
  });
});
