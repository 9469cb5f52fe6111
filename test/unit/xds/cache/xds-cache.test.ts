import { Registry } from 'prom-client';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { silentLogger } from '../../../../src/lib/log.js';
import { createXdsCache, type CacheChange, type XdsCache } from '../../../../src/xds/cache/xds-cache.js';
import { TYPE_URL, type BuildResources, type EncodedResource, type TypeUrl } from '../../../../src/xds/types.js';
import { fixtureBuild, makeTopology, makeWeights } from '../../../support/xds-client/fixtures.js';

const TOPO = makeTopology({ 'default/a': { endpoints: ['10.0.0.1@z1'] }, 'default/b': { endpoints: ['10.0.0.2@z1'] } });
const A = 'a.default:80';

let cache: XdsCache | undefined;
afterEach(() => {
  cache?.close();
  cache = undefined;
  vi.useRealTimers();
});

function make(build: BuildResources = fixtureBuild, holdOffMs = 100, maxDelayMs = 1_000) {
  const registry = new Registry();
  cache = createXdsCache({ build, log: silentLogger(), registry, holdOffMs, maxDelayMs });
  const changes: CacheChange[][] = [];
  cache.watch((c) => changes.push([...c]));
  return { cache, changes, registry };
}

describe('xds cache', () => {
  test('serves nothing before the first flush, then versions every type of both kinds', () => {
    const { cache, changes } = make();
    cache.update(TOPO, new Map());
    expect(cache.snapshot('envoy')).toBeUndefined();
    cache.flush();
    expect(changes).toHaveLength(1);
    expect(changes[0]?.map((c) => c.kind)).toEqual(['envoy', 'grpc']);
    const envoy = cache.snapshot('envoy');
    expect(envoy?.types.get(TYPE_URL.CLUSTER)?.names).toEqual([A, 'b.default:80']);
    expect(envoy?.types.get(TYPE_URL.CLUSTER)?.version).toBe('1');
    expect(cache.snapshot('grpc')?.types.get(TYPE_URL.LISTENER)?.names).toEqual([A, 'b.default:80']);
  });

  test('a weight change bumps only the EDS version, names only the changed CLA, and shares unchanged bytes', () => {
    const { cache, changes } = make();
    cache.update(TOPO, new Map());
    cache.flush();
    const before = cache.snapshot('envoy');
    cache.update(TOPO, makeWeights({ 'default/a': { '10.0.0.1': 5 } }));
    cache.flush();
    const after = cache.snapshot('envoy');
    const envoyChange = changes[1]?.find((c) => c.kind === 'envoy');
    expect([...(envoyChange?.diffs.keys() ?? [])]).toEqual([TYPE_URL.ENDPOINT]);
    expect(envoyChange?.diffs.get(TYPE_URL.ENDPOINT)).toEqual({ changed: [A], removed: [] });
    expect(after?.types.get(TYPE_URL.ENDPOINT)?.version).toBe('2');
    // The CDS snapshot object is the very same: nothing re-encoded, nothing re-sent.
    expect(after?.types.get(TYPE_URL.CLUSTER)).toBe(before?.types.get(TYPE_URL.CLUSTER));
  });

  test('an update that changes nothing notifies nobody', () => {
    const { cache, changes } = make();
    cache.update(TOPO, new Map());
    cache.flush();
    cache.update(makeTopology({ 'default/a': { endpoints: ['10.0.0.1@z1'] }, 'default/b': { endpoints: ['10.0.0.2@z1'] } }), new Map());
    cache.flush();
    expect(changes).toHaveLength(1);
  });

  test('coalesces a burst behind the hold-off window, bounded by the max delay', () => {
    vi.useFakeTimers();
    const build = vi.fn(fixtureBuild);
    const { cache, changes } = make(build, 100, 300);
    for (let i = 1; i <= 50; i++) {
      cache.update(TOPO, makeWeights({ 'default/a': { '10.0.0.1': i } }));
      vi.advanceTimersByTime(5);
    }
    // 250 ms of updates 5 ms apart: the max delay (300 ms) has not passed, the window never went quiet.
    expect(changes).toHaveLength(0);
    vi.advanceTimersByTime(100);
    expect(changes).toHaveLength(1);
    expect(build).toHaveBeenCalledTimes(2); // one build per client kind
    // A steady stream of updates is flushed at least every maxDelayMs.
    for (let i = 0; i < 100; i++) {
      cache.update(TOPO, makeWeights({ 'default/a': { '10.0.0.1': 100 + i } }));
      vi.advanceTimersByTime(10);
    }
    expect(changes.length).toBeGreaterThanOrEqual(4);
  });

  test('a builder that throws keeps the previous state and counts the failure', async () => {
    let fail = false;
    const build: BuildResources = (t, w, k) => {
      if (fail) throw new Error('boom');
      return fixtureBuild(t, w, k);
    };
    const { cache, changes, registry } = make(build);
    cache.update(TOPO, new Map());
    cache.flush();
    fail = true;
    cache.update(makeTopology({}), new Map());
    cache.flush();
    expect(changes).toHaveLength(1);
    expect(cache.snapshot('envoy')?.types.get(TYPE_URL.CLUSTER)?.names).toHaveLength(2);
    const failures = await registry.getSingleMetric('weir_xds_build_failures_total')?.get();
    expect(failures?.values[0]?.value).toBe(1);
  });

  test('an inconsistent resource set (name or type under the wrong key) is refused', () => {
    const bad: EncodedResource = { name: 'other', typeUrl: TYPE_URL.CLUSTER, value: new Uint8Array([1]), hash: 'x' };
    const build: BuildResources = () => new Map<TypeUrl, ReadonlyMap<string, EncodedResource>>([[TYPE_URL.ENDPOINT, new Map([['a', bad]])]]);
    const { cache, changes } = make(build);
    cache.update(TOPO, new Map());
    cache.flush();
    expect(changes).toHaveLength(0);
    expect(cache.snapshot('envoy')).toBeUndefined();
  });
});
