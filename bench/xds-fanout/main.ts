/**
 * bench/xds-fanout: ADS fan-out of weight changes. The server (this process) serves
 * `--clusters` clusters of `--endpoints` endpoints to `--streams` ADS streams (half SotW,
 * half Delta) opened by `--procs` client processes; each round changes the weights of
 * `--changed` (a share) of the clusters, and the bench reports the time until every
 * stream holds the new EDS version (p50, p99, max; measured from the `update()` call,
 * so it includes the cache's hold-off window), the server's CPU seconds per update, and
 * the server's peak RSS. It prints figures; it is not a test.
 *
 * Run (see bench/RESULTS-xds.md):
 *   npm run bench -- xds-fanout [--streams 1000 --clusters 500 --endpoints 20 ...]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { silentLogger } from '../../src/lib/log.js';
import { DEFAULT_POLICY, type Service, type Topology, type WeightTable } from '../../src/model/index.js';
import { createXdsCache, startXdsServer, TYPE_URL } from '../../src/xds/index.js';
import { createResourceBuilder } from '../../src/xds/resources/index.js';
import { epochNow, type ArrivedMessage, type ToClient, type ToServer } from './protocol.js';

const { values: args } = parseArgs({
  options: {
    streams: { type: 'string', default: '1000' },
    clusters: { type: 'string', default: '500' },
    endpoints: { type: 'string', default: '20' },
    changed: { type: 'string', default: '0.1' },
    rounds: { type: 'string', default: '10' },
    procs: { type: 'string', default: '2' },
    'hold-off': { type: 'string', default: '100' },
    'per-channel': { type: 'string', default: '50' },
    json: { type: 'boolean', default: false },
  },
});

const STREAMS = Number(args.streams);
const CLUSTERS = Number(args.clusters);
const ENDPOINTS = Number(args.endpoints);
const CHANGED = Math.max(1, Math.round(CLUSTERS * Number(args.changed)));
const ROUNDS = Number(args.rounds);
const PROCS = Math.max(1, Math.min(Number(args.procs), STREAMS));
const HOLD_OFF_MS = Number(args['hold-off']);

/** A small deterministic PRNG (mulberry32), so every run changes the same clusters. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function buildTopology(): Topology {
  const services = new Map<string, Service>();
  for (let c = 0; c < CLUSTERS; c++) {
    const id = `bench/svc-${c}`;
    services.set(id, {
      key: { namespace: 'bench', name: `svc-${c}` },
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: Array.from({ length: ENDPOINTS }, (_, e) => ({
        address: `10.${(c >> 8) & 255}.${c & 255}.${e + 1}`,
        ports: { http: 8080 },
        zone: `zone-${e % 3}`,
        ready: true,
        serving: true,
        terminating: false,
      })),
      policy: DEFAULT_POLICY,
      problems: [],
    });
  }
  return { services };
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

async function main(): Promise<void> {
  const registry = new Registry();
  const log = silentLogger();
  const cache = createXdsCache({ build: createResourceBuilder(), log, registry, holdOffMs: HOLD_OFF_MS, maxDelayMs: Math.max(1_000, HOLD_OFF_MS) });
  const server = await startXdsServer({ address: '127.0.0.1:0', cache, log, registry });
  const topology = buildTopology();
  const weights = new Map<string, Map<string, number>>();
  const names = [...topology.services.values()].map((s) => `${s.key.name}.${s.key.namespace}:8080`);
  const edsVersion = () => cache.snapshot('envoy')?.types.get(TYPE_URL.ENDPOINT)?.version ?? '';
  const flushed = async (before: string) => {
    while (edsVersion() === before) await new Promise((r) => setTimeout(r, 1));
    return edsVersion();
  };

  cache.update(topology, weights as WeightTable);
  await flushed('');

  // The client beside this file; the loader hook (bench/register.mjs) is inherited.
  const clientEntry = fileURLToPath(new URL('./client.ts', import.meta.url));
  const children: ChildProcess[] = [];
  const inbox = new Map<ChildProcess, ToServer[]>();
  const waiters = new Map<ChildProcess, (m: ToServer) => void>();
  for (let p = 0; p < PROCS; p++) {
    const child = fork(clientEntry, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(child);
    inbox.set(child, []);
    child.on('message', (m: ToServer) => {
      if (m.kind === 'failed' && !stopping) console.error(`client ${p}: ${m.error}`);
      if (m.kind === 'failed') return;
      const w = waiters.get(child);
      if (w) {
        waiters.delete(child);
        w(m);
      } else inbox.get(child)?.push(m);
    });
  }
  let stopping = false;
  const receive = (child: ChildProcess) =>
    new Promise<ToServer>((resolve) => {
      const queued = inbox.get(child)?.shift();
      if (queued) resolve(queued);
      else waiters.set(child, resolve);
    });
  const tell = (child: ChildProcess, m: ToClient) => child.send(m);

  // Initial sync: every stream gets 500 clusters and 500 CLAs.
  const syncStart = epochNow();
  children.forEach((child, p) => {
    const share = Array.from({ length: STREAMS }, (_, i) => i).filter((i) => i % PROCS === p);
    tell(child, {
      kind: 'start',
      address: server.address,
      variants: share.map((i) => (i % 2 === 0 ? 'sotw' : 'delta')),
      names,
      streamsPerChannel: Number(args['per-channel']),
      rampBatch: 25,
    });
  });
  await Promise.all(children.map(receive));
  const syncSeconds = (epochNow() - syncStart) / 1000;
  const memAfterSync = process.memoryUsage();
  const rssAfterSync = memAfterSync.rss;

  const random = prng(42);
  const serviceIds = [...topology.services.keys()];
  const rounds: { p50: number; p99: number; max: number; sotwP99: number; deltaP99: number; cpu: number; missing: number }[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const before = edsVersion();
    for (let i = 0; i < CHANGED; i++) {
      const id = serviceIds[Math.floor(random() * serviceIds.length)] ?? '';
      const svc = topology.services.get(id);
      if (!svc) continue;
      weights.set(id, new Map(svc.endpoints.map((e) => [e.address, 1 + Math.floor(random() * 100)])));
    }
    const cpu0 = process.cpuUsage();
    const t0 = epochNow();
    cache.update(topology, new Map(weights));
    const version = await flushed(before);
    children.forEach((child) => tell(child, { kind: 'await', version, timeoutMs: 30_000 }));
    const replies = (await Promise.all(children.map(receive))) as ArrivedMessage[];
    // Let the last ACKs reach the server so their handling is counted.
    await new Promise((r) => setTimeout(r, 200));
    const cpu = process.cpuUsage(cpu0);
    const lat = (xs: readonly number[]) => xs.filter((x) => !Number.isNaN(x)).map((x) => x - t0).sort((a, b) => a - b);
    const all = lat(replies.flatMap((r) => [...r.sotw, ...r.delta]));
    const sotw = lat(replies.flatMap((r) => r.sotw));
    const delta = lat(replies.flatMap((r) => r.delta));
    rounds.push({
      p50: quantile(all, 0.5),
      p99: quantile(all, 0.99),
      max: all[all.length - 1] ?? NaN,
      sotwP99: quantile(sotw, 0.99),
      deltaP99: quantile(delta, 0.99),
      cpu: (cpu.user + cpu.system) / 1e6,
      missing: STREAMS - all.length,
    });
    // Rounds a second apart, as a control loop would tick.
    await new Promise((r) => setTimeout(r, 500));
  }

  stopping = true;
  children.forEach((child) => tell(child, { kind: 'stop' }));
  await server.stop(2_000);
  cache.close();
  for (const child of children) child.kill();

  const median = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);
  // Server side only: from a flush until every stream's response was handed to gRPC.
  const push = (await registry.getSingleMetric('weir_xds_push_duration_seconds')?.get())?.values ?? [];
  const pushSum = push.find((v) => (v as { metricName?: string }).metricName?.endsWith('_sum'))?.value ?? 0;
  const pushCount = push.find((v) => (v as { metricName?: string }).metricName?.endsWith('_count'))?.value ?? 1;
  const summary = {
    streams: STREAMS,
    clusters: CLUSTERS,
    endpoints: ENDPOINTS,
    changedPerRound: CHANGED,
    rounds: ROUNDS,
    holdOffMs: HOLD_OFF_MS,
    initialSyncSeconds: Number(syncSeconds.toFixed(2)),
    convergenceMs: {
      p50: Number(median(rounds.map((r) => r.p50)).toFixed(1)),
      p99: Number(median(rounds.map((r) => r.p99)).toFixed(1)),
      worstP99: Number(Math.max(...rounds.map((r) => r.p99)).toFixed(1)),
      max: Number(Math.max(...rounds.map((r) => r.max)).toFixed(1)),
      sotwP99: Number(median(rounds.map((r) => r.sotwP99)).toFixed(1)),
      deltaP99: Number(median(rounds.map((r) => r.deltaP99)).toFixed(1)),
    },
    cpuSecondsPerUpdate: Number(median(rounds.map((r) => r.cpu)).toFixed(3)),
    meanPushMs: Number(((pushSum / pushCount) * 1000).toFixed(1)),
    missingStreams: Math.max(...rounds.map((r) => r.missing)),
    rssMbAfterSync: Math.round(rssAfterSync / 2 ** 20),
    heapUsedMbAfterSync: Math.round(memAfterSync.heapUsed / 2 ** 20),
    externalMbAfterSync: Math.round(memAfterSync.external / 2 ** 20),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  if (args.json) console.log(JSON.stringify(summary));
  else {
    console.log(`xds-fanout: ${STREAMS} streams (half SotW, half Delta) × ${CLUSTERS} clusters × ${ENDPOINTS} endpoints; ${CHANGED} clusters change per round; ${ROUNDS} rounds; hold-off ${HOLD_OFF_MS} ms`);
    console.log(`initial sync of every stream: ${summary.initialSyncSeconds} s`);
    console.log(`convergence (update() → every stream holds the new EDS version), median over rounds: p50 ${summary.convergenceMs.p50} ms, p99 ${summary.convergenceMs.p99} ms (SotW ${summary.convergenceMs.sotwP99}, Delta ${summary.convergenceMs.deltaP99}); worst round p99 ${summary.convergenceMs.worstP99} ms, max ${summary.convergenceMs.max} ms`);
    console.log(`server CPU per update: ${summary.cpuSecondsPerUpdate} s; mean push (flush → every response handed to gRPC, mean over all flushes): ${summary.meanPushMs} ms; streams that missed a version: ${summary.missingStreams}`);
    console.log(`server RSS after sync: ${summary.rssMbAfterSync} MB (heap used ${summary.heapUsedMbAfterSync} MB, external ${summary.externalMbAfterSync} MB); peak RSS: ${summary.peakRssMb} MB`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
