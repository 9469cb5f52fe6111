/**
 * The engine benchmark: one tick over 10,000 endpoints in 500 services, with realistic
 * samples and a warmed-up state. Reports the median and p99 tick time, and the heap
 * allocated per tick. Run: `npm run bench -- engine [--services 500] [--endpoints 20]
 * [--ticks 300] [--json FILE]`. Deterministic inputs (a fixed-seed generator).
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { INITIAL_ENGINE_STATE, runEngine, type EngineState } from '../../src/feedback/index.js';
import { DEFAULT_POLICY, serviceId, type EndpointSample, type Samples, type Service, type Topology } from '../../src/model/index.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const SERVICES = Number(args.get('services') ?? 500);
const PER_SERVICE = Number(args.get('endpoints') ?? 20);
const TICKS = Number(args.get('ticks') ?? 300);
const WARMUP = 60;

/** A small linear congruential generator: the same inputs on every run. */
let seed = 42;
function random(): number {
  seed = (seed * 1_664_525 + 1_013_904_223) % 4_294_967_296;
  return seed / 4_294_967_296;
}

function buildTopology(): Topology {
  const services = new Map<string, Service>();
  for (let s = 0; s < SERVICES; s++) {
    const key = { namespace: `ns-${s % 20}`, name: `svc-${s}` };
    const endpoints = [];
    for (let e = 0; e < PER_SERVICE; e++) {
      const address = `10.${Math.floor(s / 250)}.${s % 250}.${e + 1}`;
      endpoints.push({ address, ports: { http: 8080 }, zone: `zone-${e % 3}`, ready: true, serving: true, terminating: false });
    }
    endpoints.sort((a, b) => (a.address < b.address ? -1 : 1));
    services.set(serviceId(key), { key, ports: [{ name: 'http', port: 80, protocol: 'TCP' }], endpoints, policy: DEFAULT_POLICY, problems: [] });
  }
  return { services };
}

/** One tick's samples: noisy healthy latencies, one slow and one failing endpoint in a tenth of the services. */
function buildSamples(topology: Topology, at: number): Samples {
  const services = new Map<string, Map<string, EndpointSample>>();
  let s = 0;
  for (const [id, service] of topology.services) {
    const map = new Map<string, EndpointSample>();
    service.endpoints.forEach((ep, e) => {
      if (random() < 0.02) return; // a missing series now and then
      const troubled = s % 10 === 0;
      const slow = troubled && e === 3 ? 5 : 1;
      const errors = troubled && e === 7 ? 0.3 : random() * 0.01;
      // CPU follows the calls a backend serves (0.01 s of CPU a call, ±5%), as a real
      // one's does: its capacity (rate over CPU) is steady, as the loop expects (the
      // samples before 6 Dec drew CPU independently of the rate, a capacity that jumped
      // by 2× from tick to tick).
      const requestRate = 50 + 10 * random();
      map.set(ep.address, {
        latencyMs: 30 * slow * (0.8 + 0.4 * random()),
        errorRatio: errors,
        requestRate,
        cpu: (requestRate / 110) * (0.95 + 0.1 * random()),
        memory: 0.5,
      });
    });
    services.set(id, map);
    s++;
  }
  return { at, services, failed: new Set() };
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const gc = (globalThis as { gc?: () => void }).gc;
const topology = buildTopology();
const sampleSets = Array.from({ length: 16 }, (_, i) => buildSamples(topology, i));
const custom = new Map();
let state: EngineState = INITIAL_ENGINE_STATE;
let now = 1_700_000_000_000;
let tick = 0;
/** CPU time (user + system, all threads: the GC's included) of the last step, in ms. */
let lastCpuMs = 0;
const step = (): number => {
  now += 1000;
  const base = sampleSets[tick++ % sampleSets.length]!;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const out = runEngine({ topology, samples: { ...base, at: now }, state, now, customSignals: custom });
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  lastCpuMs = (used.user + used.system) / 1000;
  state = out.state;
  return ms;
};

for (let i = 0; i < WARMUP; i++) step();

const times: number[] = [];
const cpuTimes: number[] = [];
for (let i = 0; i < TICKS; i++) {
  times.push(step());
  cpuTimes.push(lastCpuMs);
}
times.sort((a, b) => a - b);
cpuTimes.sort((a, b) => a - b);

// Allocation: force a GC, run one tick, read how much the heap grew (young-generation
// collections during the tick make this a lower bound; the median over ticks is shown).
const allocations: number[] = [];
let retained = 0;
if (gc) {
  for (let i = 0; i < 50; i++) {
    gc();
    const before = process.memoryUsage().heapUsed;
    step();
    allocations.push(process.memoryUsage().heapUsed - before);
  }
  gc();
  retained = process.memoryUsage().heapUsed;
  allocations.sort((a, b) => a - b);
}

const result = {
  services: SERVICES,
  endpoints: SERVICES * PER_SERVICE,
  ticks: TICKS,
  medianMs: Number(quantile(times, 0.5).toFixed(2)),
  p99Ms: Number(quantile(times, 0.99).toFixed(2)),
  maxMs: Number(times[times.length - 1]!.toFixed(2)),
  // Wall time suffers on a shared machine; CPU time shows the engine's own cost.
  cpuMedianMs: Number(quantile(cpuTimes, 0.5).toFixed(2)),
  cpuP99Ms: Number(quantile(cpuTimes, 0.99).toFixed(2)),
  loadAverage: Number(loadavg()[0]!.toFixed(1)),
  allocatedPerTickMB: gc ? Number((quantile(allocations, 0.5) / 1e6).toFixed(2)) : null,
  retainedHeapMB: gc ? Number((retained / 1e6).toFixed(1)) : null,
  // The process's peak resident memory: what a heap flag (a larger young generation) costs.
  maxRssMB: Number((process.resourceUsage().maxRSS / 1024).toFixed(1)),
  node: process.version,
  // V8's heap flags in effect, from node's command line or NODE_OPTIONS.
  heapFlags: [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].filter((f) => f.startsWith('--max-')),
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
const out = args.get('json');
if (out) writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
