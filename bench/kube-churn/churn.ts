/**
 * The kube-churn bench: weir's Kubernetes side (discovery + status writer fed by a
 * 1-second loop of equal weights) against the test API server while EndpointSlices
 * churn. Measures event-to-Topology latency (from the change in the API server to the
 * Topology that contains it, hold-off included), event-to-xDS latency (to the flush of
 * the xDS cache whose ClusterLoadAssignment carries it: discovery hold-off, resource
 * build, encoding and the cache's coalescing window included; streams' send time is
 * bench/xds-fanout's), status writes per second, and weir's CPU and RSS.
 */
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { startKubeDiscovery } from '../../src/discovery/kube/index.js';
import { silentLogger } from '../../src/lib/log.js';
import { createXdsCache, TYPE_URL } from '../../src/xds/index.js';
import { buildResources } from '../../src/xds/resources/index.js';
import type { Topology } from '../../src/model/index.js';
import { createStatusWriter } from '../../src/status/index.js';
import { reportFor } from '../../test/support/kube-api/reports.js';
import { wallNow, type ApiSide, type ChangeRecord } from './api-side.js';

export interface ChurnOptions {
  readonly services: number;
  readonly endpoints: number;
  readonly ratePerSecond: number;
  readonly durationS: number;
  readonly holdOffMs?: number;
  readonly statusMinIntervalMs?: number;
  readonly writesPerSecond?: number;
  /** How often the fake loop reports, ms. Default 1,000. */
  readonly tickMs?: number;
}

export interface ChurnResult {
  readonly options: ChurnOptions;
  readonly syncSeconds: number;
  readonly changes: number;
  readonly observed: number;
  readonly latencyMs: { p50: number; p99: number; max: number };
  /** From the change in the API server to the xDS cache flush carrying it. */
  readonly xdsLatencyMs: { p50: number; p99: number; max: number; observed: number };
  readonly statusWritesPerSecond: { mean: number; max: number };
  readonly writerRequestsPerSecond: { mean: number; max: number };
  readonly weirCpuPercentOfOneCore: number;
  /** weir's CPU time per slice change (status writes and the stand-in loop included), ms: load-independent. */
  readonly weirCpuMsPerChange: number;
  /** weir's event-loop delay: how long ready work waited behind other work in this process, ms. */
  readonly eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** The machine's 1-minute load average at the end (2 cores): how contended the run was. */
  readonly loadAverage: number;
  readonly apiServerCpuPercentOfOneCore: number;
  readonly weirRssMiB: { max: number; end: number };
  /** V8 heap in use (RSS also holds the heap's free headroom, code and buffers). */
  readonly weirHeapUsedMiB: { max: number; end: number };
  readonly topologies: number;
}

const quantile = (sorted: number[], q: number): number => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
const round = (v: number, d = 1): number => Math.round(v * 10 ** d) / 10 ** d;

export async function runKubeChurn(api: ApiSide, o: ChurnOptions): Promise<ChurnResult> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'bench', server: api.url, skipTLSVerify: true }],
    users: [{ name: 'bench' }],
    contexts: [{ name: 'bench', cluster: 'bench', user: 'bench' }],
    currentContext: 'bench',
  });
  const log = silentLogger();
  const t0 = Date.now();
  const discovery = await startKubeDiscovery({ kubeConfig, log, registry: new Registry(), holdOffMs: o.holdOffMs ?? 100 });
  while (!discovery.synced() || discovery.current().services.size < o.services) await new Promise((r) => setTimeout(r, 20));
  const syncSeconds = (Date.now() - t0) / 1000;

  const writer = createStatusWriter({
    kubeConfig,
    log,
    registry: new Registry(),
    minIntervalMs: o.statusMinIntervalMs ?? 5_000,
    writesPerSecond: o.writesPerSecond ?? 20,
  });
  const tick = setInterval(() => writer.report(reportFor(discovery.current(), Date.now())), o.tickMs ?? 1_000);

  // Changes waiting to be seen: "serviceId address" → when made.
  const pending = new Map<string, number>();
  const latencies: number[] = [];
  let topologies = 0;
  let previous: Topology = discovery.current();
  const check = (t: Topology, at: number): void => {
    for (const [id, svc] of t.services) {
      if (previous.services.get(id) === svc) continue;
      for (const e of svc.endpoints) {
        const k = `${id} ${e.address}`;
        const made = pending.get(k);
        if (made !== undefined) {
          latencies.push(at - made);
          pending.delete(k);
        }
      }
    }
    previous = t;
  };
  discovery.onChange((t) => {
    topologies++;
    check(t, wallNow());
    cache.update(t, new Map());
  });

  // Event to xDS: the cache is fed every Topology, as the control loop does on a change.
  const cache = createXdsCache({ build: buildResources, log, registry: new Registry() });
  cache.update(discovery.current(), new Map());
  const xdsPending = new Map<string, number[]>();
  const xdsLatencies: number[] = [];
  cache.watch((changes) => {
    const at = wallNow();
    for (const change of changes) {
      if (change.kind !== 'envoy') continue;
      for (const name of change.diffs.get(TYPE_URL.ENDPOINT)?.changed ?? []) {
        // `S.N:P` → `N/S` (Service names and namespaces are DNS labels: no dots).
        const dot = name.indexOf('.');
        const id = `${name.slice(dot + 1, name.lastIndexOf(':'))}/${name.slice(0, dot)}`;
        const made = xdsPending.get(id);
        if (!made) continue;
        for (const m of made) xdsLatencies.push(Math.max(0, at - m));
        xdsPending.delete(id);
      }
    }
  });

  const rss: number[] = [];
  const heap: number[] = [];
  const sample = (): void => {
    const m = process.memoryUsage();
    rss.push(m.rss);
    heap.push(m.heapUsed);
  };
  const sampler = setInterval(sample, 1_000);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const w0 = Date.now();
  const stats = await api.churn(o.ratePerSecond, o.durationS, (c: ChangeRecord) => {
    const list = xdsPending.get(c.serviceId);
    if (list) list.push(c.at);
    else xdsPending.set(c.serviceId, [c.at]);
    const k = `${c.serviceId} ${c.address}`;
    // The Topology may already hold it (IPC can be slower than the watch): count it
    // now, an upper bound of its latency.
    if (discovery.current().services.get(c.serviceId)?.endpoints.some((e) => e.address === c.address)) {
      latencies.push(Math.max(0, wallNow() - c.at));
    } else pending.set(k, c.at);
  });
  // Let the last changes arrive.
  const deadline = Date.now() + 5_000;
  while ((pending.size > 0 || xdsPending.size > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const cpu = process.cpuUsage(cpu0);
  const wall = (Date.now() - w0) / 1000;
  loop.disable();
  sample();
  clearInterval(sampler);
  clearInterval(tick);
  await writer.stop();
  await discovery.stop();
  cache.close();
  const xdsSorted = [...xdsLatencies].sort((a, b) => a - b);

  const sorted = [...latencies].sort((a, b) => a - b);
  const perSecond = (xs: number[]): { mean: number; max: number } => ({
    mean: round(xs.reduce((a, v) => a + v, 0) / Math.max(1, xs.length)),
    max: Math.max(0, ...xs),
  });
  return {
    options: o,
    syncSeconds: round(syncSeconds, 2),
    changes: stats.changes,
    observed: latencies.length,
    latencyMs: { p50: round(quantile(sorted, 0.5)), p99: round(quantile(sorted, 0.99)), max: round(sorted[sorted.length - 1] ?? NaN) },
    xdsLatencyMs: {
      p50: round(quantile(xdsSorted, 0.5)),
      p99: round(quantile(xdsSorted, 0.99)),
      max: round(xdsSorted[xdsSorted.length - 1] ?? NaN),
      observed: xdsSorted.length,
    },
    statusWritesPerSecond: perSecond(stats.statusWritesPerSecond),
    writerRequestsPerSecond: perSecond(stats.writerRequestsPerSecond),
    weirCpuPercentOfOneCore: round(((cpu.user + cpu.system) / 1e6 / wall) * 100),
    weirCpuMsPerChange: round((cpu.user + cpu.system) / 1e3 / Math.max(1, stats.changes), 2),
    eventLoopDelayMs: { p50: round(loop.percentile(50) / 1e6), p99: round(loop.percentile(99) / 1e6), max: round(loop.max / 1e6) },
    loadAverage: round(loadavg()[0]!, 1),
    apiServerCpuPercentOfOneCore: round((stats.cpuSeconds / o.durationS) * 100),
    weirRssMiB: { max: round(Math.max(...rss) / 2 ** 20), end: round(rss[rss.length - 1]! / 2 ** 20) },
    weirHeapUsedMiB: { max: round(Math.max(...heap) / 2 ** 20), end: round(heap[heap.length - 1]! / 2 ** 20) },
    topologies,
  };
}
