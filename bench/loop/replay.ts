/**
 * Replays the samples a loop run recorded (`--record-samples`) through the engine as it
 * is now, offline, and prints what it would have done:
 *
 *   npm run bench -- loop-replay bench/out/X/results.json [--scenario error-backend] [--contender oracle]
 *
 * Open loop: the weights it computes do not change the recorded traffic. Over a contender
 * with fixed weights (the oracle, round_robin) that is the point: every cut of a backend
 * that is healthy in that phase is a cut made on sampling noise, and the count is the
 * engine's false-alarm rate on real data. Over weir's own run it shows the decisions
 * against the data that caused them.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { Command } from 'commander';
import { parseEndpointsFile } from '../../src/discovery/file/index.js';
import { INITIAL_ENGINE_STATE, runEngine, type EngineState } from '../../src/feedback/index.js';
import { noiseFactor } from '../../src/feedback/noise.js';
import { serviceId, type Decision, type EndpointSample, type Topology } from '../../src/model/index.js';
import type { BenchResult } from './run.js';
import { endpointsFileText, SERVICE } from './run.js';
import type { RecordedTick } from './sample-recorder.js';

/** What the engine did over one phase to one backend. */
export interface PhaseDecisions {
  readonly phase: string;
  /** Per backend (sorted by address): cuts, restores, the lowest and mean served weight. */
  readonly backends: { cuts: number; restores: number; minWeight: number; meanWeight: number }[];
  readonly panicTicks: number;
}

/** The engine over recorded ticks, from a fresh state; decisions counted per phase. */
export function replay(ticks: readonly RecordedTick[], phases: readonly { name: string; startS: number; endS: number }[]): {
  addresses: string[];
  phases: PhaseDecisions[];
  decisions: { s: number; decision: Decision }[];
  trace: string[];
} {
  const addresses = [...new Set(ticks.flatMap((t) => Object.keys(t.endpoints)))].sort();
  const parsed = parseEndpointsFile(endpointsFileText(addresses.map((address, i) => ({ address, pod: `backend-${i + 1}`, port: 50051 }))));
  if (!parsed.valid) throw new Error(`replay: endpoints file: ${parsed.errors.join('; ')}`);
  const topology: Topology = parsed.result;
  const id = serviceId(SERVICE);
  const out = phases.map((p) => ({
    phase: p.name,
    backends: addresses.map(() => ({ cuts: 0, restores: 0, minWeight: Infinity, meanWeight: 0, n: 0 })),
    panicTicks: 0,
  }));
  const decisions: { s: number; decision: Decision }[] = [];
  const trace: string[] = [];
  let state: EngineState = INITIAL_ENGINE_STATE;
  for (const tick of ticks) {
    const endpoints = new Map<string, EndpointSample>(Object.entries(tick.endpoints));
    const result = runEngine({
      topology,
      samples: { at: tick.at, services: new Map([[id, endpoints]]), failed: new Set(tick.failed ? [id] : []) },
      state,
      now: tick.at,
      customSignals: new Map(),
    });
    state = result.state;
    const k = phases.findIndex((p) => tick.s >= p.startS && tick.s < p.endS);
    const phase = out[k];
    const report = result.services.get(id);
    if (phase === undefined || report === undefined) continue;
    if (report.panic) phase.panicTicks += 1;
    const memory = state.services[id];
    const cols = report.endpoints.map((e) => `${String(e.weight).padStart(3)} ${Math.round(e.signals.latencyMs ?? NaN)}ms ${((e.signals.errorRatio ?? 0) * 100).toFixed(0)}%`);
    trace.push(`${tick.s.toFixed(1).padStart(6)} s ${report.panic ? 'P' : ' '} baseline ${Math.round(memory?.baselineMs ?? 0)}ms noise ×${noiseFactor(memory?.noiseVar ?? 0).toFixed(2)} | ${cols.join(' | ')}`);
    report.endpoints.forEach((e) => {
      const b = phase.backends[addresses.indexOf(e.address)];
      if (!b) return;
      b.minWeight = Math.min(b.minWeight, e.weight);
      b.meanWeight += e.weight;
      b.n += 1;
    });
    for (const d of result.decisions) {
      decisions.push({ s: tick.s, decision: d });
      const b = d.endpoint === undefined ? undefined : phase.backends[addresses.indexOf(d.endpoint)];
      if (!b || d.from === undefined || d.to === undefined) continue;
      if (d.to < d.from) b.cuts += 1;
      else if (d.to > d.from) b.restores += 1;
    }
  }
  return {
    addresses,
    phases: out.map((p) => ({
      phase: p.phase,
      panicTicks: p.panicTicks,
      backends: p.backends.map((b) => ({ cuts: b.cuts, restores: b.restores, minWeight: b.n > 0 ? b.minWeight : 0, meanWeight: b.n > 0 ? b.meanWeight / b.n : 0 })),
    })),
    decisions,
    trace,
  };
}

async function main(): Promise<void> {
  const program = new Command('bench-loop-replay')
    .argument('<results>', 'results.json (or .json.gz) of a loop run made with --record-samples')
    .option('--scenario <name>', 'only this scenario')
    .option('--contender <name>', 'only this contender')
    .option('--decisions', 'print every decision', false)
    .option('--trace', 'print every tick: baseline, noise, and each endpoint\'s weight and smoothed signals', false);
  program.parse();
  const o = program.opts<{ scenario?: string; contender?: string; decisions: boolean; trace: boolean }>();
  const file = program.args[0]!;
  const bytes = await readFile(file);
  // Recorded runs are kept gzipped in bench/loop/results/.
  const result = JSON.parse((file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8')) as BenchResult;
  for (const scenario of result.scenarios) {
    if (o.scenario && scenario.name !== o.scenario) continue;
    for (const c of scenario.contenders) {
      if (o.contender && c.name !== o.contender) continue;
      if (!c.samples) {
        process.stdout.write(`${scenario.name} / ${c.name}: no samples recorded (run with --record-samples)\n`);
        continue;
      }
      const r = replay(c.samples, scenario.phases);
      process.stdout.write(`${scenario.name} / ${c.name}: ${c.samples.length} ticks\n`);
      for (const p of r.phases) {
        const cols = p.backends.map((b, i) => `b${i + 1} ${b.cuts}c/${b.restores}r min ${b.minWeight} mean ${Math.round(b.meanWeight)}`);
        process.stdout.write(`  ${p.phase.padEnd(10)} ${cols.join(' | ')}${p.panicTicks > 0 ? ` | panic ${p.panicTicks} s` : ''}\n`);
      }
      if (o.trace) for (const line of r.trace) process.stdout.write(`    ${line}\n`);
      if (o.decisions) {
        for (const d of r.decisions) {
          process.stdout.write(`    ${d.s.toFixed(1).padStart(6)} s ${d.decision.kind} ${d.decision.endpoint ?? ''} ${d.decision.from ?? ''}→${d.decision.to ?? ''} ${d.decision.reason}\n`);
        }
      }
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
