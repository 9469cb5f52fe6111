import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { ControlLoop } from '../../../src/control/loop.js';
import type { LoopReport, MetricsSource, TopologySource } from '../../../src/control/ports.js';
import { createRootLogger, silentLogger, type Logger } from '../../../src/lib/log.js';
import { DEFAULT_POLICY, type Samples, type Topology, type WeightTable } from '../../../src/model/index.js';

function topologyOf(addresses: string[]): Topology {
  return {
    services: new Map([
      [
        'shop/echo',
        {
          key: { namespace: 'shop', name: 'echo' },
          ports: [{ name: 'grpc', port: 8080, protocol: 'TCP' }],
          endpoints: addresses.map((address) => ({ address, ports: { grpc: 5000 }, zone: '', ready: true, serving: true, terminating: false })),
          policy: DEFAULT_POLICY,
          problems: [],
        },
      ],
    ]),
  };
}

/** A topology source the test drives by hand. */
class ManualTopology implements TopologySource {
  private listeners = new Set<(t: Topology) => void>();
  constructor(private topology: Topology) {}
  current(): Topology {
    return this.topology;
  }
  synced(): boolean {
    return true;
  }
  onChange(l: (t: Topology) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  set(t: Topology): void {
    this.topology = t;
    for (const l of this.listeners) l(t);
  }
}

describe('ControlLoop', () => {
  let loop: ControlLoop | undefined;
  afterEach(async () => {
    await loop?.stop();
    loop = undefined;
  });

  function setup(
    over: { metrics?: MetricsSource; isLeader?: () => boolean; followerWeights?: () => WeightTable; intervalMs?: number; log?: Logger } = {},
  ) {
    const source = new ManualTopology(topologyOf(['10.0.0.1', '10.0.0.2']));
    const published: { topology: Topology; weights: WeightTable }[] = [];
    const reports: LoopReport[] = [];
    const registry = new Registry();
    loop = new ControlLoop({
      topology: source,
      publisher: { publish: (topology, weights) => published.push({ topology, weights }) },
      sinks: [
        { report: (r) => reports.push(r) },
        {
          report: () => {
            throw new Error('a broken sink');
          },
        },
      ],
      intervalMs: 50,
      log: silentLogger(),
      registry,
      ...over,
    });
    return { source, published, reports, registry };
  }

  it('ticks, publishes weights for every endpoint and reports', async () => {
    const { published, reports, registry } = setup();
    loop!.start();
    await expect.poll(() => reports.length, { timeout: 5000 }).toBeGreaterThanOrEqual(3);
    const last = published.at(-1)!;
    expect([...(last.weights.get('shop/echo')?.keys() ?? [])]).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(reports.at(-1)!.services.get('shop/echo')!.endpoints).toHaveLength(2);
    expect(await registry.getSingleMetricAsString('weir_endpoint_weight')).toContain('endpoint="10.0.0.2"');
  });

  it('serves a new endpoint as soon as the topology changes', async () => {
    // A long interval: only the topology change can explain a second publication.
    const { source, published } = setup({ intervalMs: 60_000 });
    loop!.start();
    await expect.poll(() => published.length).toBeGreaterThanOrEqual(1);
    source.set(topologyOf(['10.0.0.1', '10.0.0.2', '10.0.0.3']));
    await expect.poll(() => published.at(-1)!.weights.get('shop/echo')?.size, { timeout: 2000 }).toBe(3);
  });

  it('keeps ticking when the metrics source throws', async () => {
    let calls = 0;
    const { reports, registry } = setup({
      metrics: {
        fetch: (): Promise<Samples> => {
          calls++;
          return Promise.reject(new Error('prometheus exploded'));
        },
      },
    });
    loop!.start();
    await expect.poll(() => reports.length, { timeout: 5000 }).toBeGreaterThanOrEqual(3);
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(await registry.getSingleMetricAsString('weir_loop_ticks_total')).toMatch(/result="metrics_failed"} [3-9]/);
  });

  it('as a follower computes nothing and serves the leader\'s weights', async () => {
    const leaderWeights: WeightTable = new Map([['shop/echo', new Map([['10.0.0.1', 7], ['10.0.0.2', 3]])]]);
    const { published, reports } = setup({ isLeader: () => false, followerWeights: () => leaderWeights });
    loop!.start();
    await expect.poll(() => published.length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    expect(published.at(-1)!.weights).toBe(leaderWeights);
    expect(reports).toHaveLength(0);
  });

  it('taking over as leader, continues from the weights it served as a follower', async () => {
    // Without data the engine holds what it starts from; from a clean state that was
    // equal weights, every endpoint's fair share again.
    const leaderWeights: WeightTable = new Map([['shop/echo', new Map([['10.0.0.1', 100], ['10.0.0.2', 30]])]]);
    let leading = false;
    const lines: Record<string, unknown>[] = [];
    const log = createRootLogger({ destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
    const { published, reports } = setup({ isLeader: () => leading, followerWeights: () => leaderWeights, log });
    loop!.start();
    await expect.poll(() => published.length, { timeout: 5000 }).toBeGreaterThanOrEqual(1);
    leading = true;
    await expect.poll(() => reports.length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    const served = reports.at(-1)!.services.get('shop/echo')!.endpoints.map((e) => [e.address, e.served]);
    expect(served).toEqual([['10.0.0.1', 100], ['10.0.0.2', 30]]);
    expect(published.at(-1)!.weights.get('shop/echo')?.get('10.0.0.2')).toBe(30);
    expect(lines.filter((l) => l.leader !== undefined).map((l) => [l.msg, l.seededServices])).toEqual([
      ["follower: serving the leader's weights", undefined],
      ['became leader: computing weights from the served ones', 1],
    ]);
  });
});
