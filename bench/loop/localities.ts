/**
 * How often a backend's queue makes the clients' tail, while it shares a proxyless gRPC
 * locality with its twin (a backend of the same capacity) and while it has one of its
 * own, at the same nominal utilisation:
 *
 *   npm run bench -- loop-localities bench/loop/results/s22e-*-results.json.gz [--scenario heterogeneous] [--contender weir]
 *
 * A gRPC client picks a locality at random by its weight and rotates over the endpoints
 * inside it (src/xds/resources/endpoints.ts): twins in one locality get every other call
 * of its share, a lone endpoint its calls at random. Over a run's measured phases (from
 * the fifth second of each), each second a twin's weight was set three seconds before
 * counts as shared (the twins' weights within GRPC_GROUP_TOLERANCE) or alone, binned by
 * the utilisation its weight meant (its share of the load over its capacity). A spike is a
 * second whose clients' p99 (or the second before's) is SPIKE_FACTOR × the run's median
 * second or more; it is the twin's when, of every backend that second, the twin read the
 * highest latency against its own median, and over it (the recorded samples: run with
 * --record-samples).
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { Command } from 'commander';
import { lowerQuantile } from '../../src/feedback/scoring.js';
import { GRPC_GROUP_TOLERANCE } from '../../src/xds/resources/index.js';
import type { BenchResult, ContenderResult, ScenarioResult } from './run.js';
import { buildScenarios, perSecondOf } from './scenarios.js';

/** A second whose p99 is this many times the run's median second is a spike. */
export const SPIKE_FACTOR = 1.4;
/** The weights a second's calls were sent by: set this many seconds before (the windows' lag). */
const WEIGHT_LAG_S = 3;
/** Seconds of each measured phase left out at its start. */
const SETTLE_S = 5;

/** Seconds and spikes of the twins of one capacity in one state and utilisation bin. */
export interface TwinCell {
  /** Calls a second each of these twins can take. */
  readonly capacity: number;
  readonly shared: boolean;
  /** Nominal utilisation, floored to a tenth. */
  readonly utilisation: number;
  seconds: number;
  spikes: number;
}

const median = (xs: readonly number[]): number => lowerQuantile(xs, 0.5) ?? NaN;

/** Indices of backends whose capacity (calls a second, in every measured phase) equals another's. */
export function twinsOf(capacities: readonly number[]): number[] {
  return capacities.flatMap((c, i) => (capacities.some((d, j) => j !== i && d === c) ? [i] : []));
}

/**
 * Adds `contender`'s seconds to `cells` (keyed by state and bin). `capacities`: calls a
 * second each backend can take, by position (the recorded samples' addresses, sorted).
 */
export function countTwinSpikes(
  scenario: Pick<ScenarioResult, 'ratePerSecond' | 'phases'>,
  contender: Pick<ContenderResult, 'timeline' | 'weights' | 'samples'>,
  capacities: readonly number[],
  cells: Map<string, TwinCell>,
): void {
  const samples = contender.samples ?? [];
  const p99 = contender.timeline.p99Ms;
  const measured = (s: number): boolean => scenario.phases.some((p) => p.measured && s >= p.startS + SETTLE_S && s < p.endS);
  const typical = median(p99.filter((v, s): v is number => v !== null && measured(s)));
  if (samples.length === 0 || !(typical > 0)) return;
  const addresses = [...new Set(samples.flatMap((t) => Object.keys(t.endpoints)))].sort();
  const latencyMedians = addresses.map((a) => median(samples.flatMap((t) => (measured(t.s) && (t.endpoints[a]?.latencyMs ?? 0) > 0 ? [t.endpoints[a]!.latencyMs!] : []))));
  const twins = twinsOf(capacities);
  const peersOf = twins.map((i) => twins.filter((j) => j !== i && capacities[j] === capacities[i]));
  for (const tick of samples) {
    const s = Math.round(tick.s);
    const weights = contender.weights[s - WEIGHT_LAG_S];
    if (!measured(s) || !weights || weights.length !== capacities.length) continue;
    const total = weights.reduce((sum, w) => sum + w, 0);
    const worst = Math.max(p99[s] ?? 0, p99[s - 1] ?? 0);
    const spike = worst >= SPIKE_FACTOR * typical;
    // Over its own median at least: a second where every backend reads its usual is no one's.
    let culprit = -1;
    let highest = 1;
    addresses.forEach((a, i) => {
      const relative = (tick.endpoints[a]?.latencyMs ?? 0) / latencyMedians[i]!;
      if (relative > highest) [highest, culprit] = [relative, i];
    });
    for (const [t, i] of twins.entries()) {
      const shared = peersOf[t]!.some((j) => Math.min(weights[i]!, weights[j]!) >= (1 - GRPC_GROUP_TOLERANCE) * Math.max(weights[i]!, weights[j]!));
      const utilisation = Math.floor((10 * (weights[i]! / total) * scenario.ratePerSecond) / capacities[i]!) / 10;
      const key = `${capacities[i]} ${shared} ${utilisation}`;
      const cell = cells.get(key) ?? { capacity: capacities[i]!, shared, utilisation, seconds: 0, spikes: 0 };
      cell.seconds += 1;
      if (spike && culprit === i) cell.spikes += 1;
      cells.set(key, cell);
    }
  }
}

async function main(): Promise<void> {
  const program = new Command('bench-loop-localities')
    .argument('<results...>', 'results.json (or .json.gz) of loop runs made with --record-samples')
    .option('--scenario <name>', 'the scenario', 'heterogeneous')
    .option('--contender <name>', 'the contender', 'weir');
  program.parse();
  const o = program.opts<{ scenario: string; contender: string }>();
  const definition = buildScenarios().find((s) => s.name === o.scenario);
  if (definition === undefined) throw new Error(`loop-localities: no scenario ${JSON.stringify(o.scenario)}`);
  const measured = definition.phases.filter((p) => p.measured);
  const capacities = measured[0]!.backends.map(perSecondOf);
  if (measured.some((p) => p.backends.some((b, i) => perSecondOf(b) !== capacities[i]))) throw new Error(`loop-localities: ${o.scenario}'s capacities change between its phases`);
  const twins = twinsOf(capacities);
  if (twins.length === 0) throw new Error(`loop-localities: ${o.scenario} has no two backends of the same capacity`);
  const cells = new Map<string, TwinCell>();
  let runs = 0;
  for (const file of program.args) {
    const bytes = await readFile(file);
    const result = JSON.parse((file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8')) as BenchResult;
    for (const scenario of result.scenarios.filter((s) => s.name === o.scenario)) {
      for (const c of scenario.contenders.filter((x) => x.name === o.contender && x.samples !== undefined)) {
        countTwinSpikes(scenario, c, capacities, cells);
        runs += 1;
      }
    }
  }
  process.stdout.write(`${o.scenario} / ${o.contender}: ${runs} runs; twins: backends ${twins.map((i) => i + 1).join(', ')}\n`);
  process.stdout.write('capacity/s  locality  utilisation  seconds  spikes  spike rate\n');
  const ordered = [...cells.values()].sort((a, b) => a.capacity - b.capacity || Number(b.shared) - Number(a.shared) || a.utilisation - b.utilisation);
  for (const c of ordered) {
    const rate = c.seconds > 0 ? (c.spikes / c.seconds).toFixed(3) : '–';
    process.stdout.write(`${String(c.capacity).padStart(10)}  ${(c.shared ? 'shared' : 'alone').padEnd(8)}  ${c.utilisation.toFixed(1).padStart(11)}  ${String(c.seconds).padStart(7)}  ${String(c.spikes).padStart(6)}  ${rate.padStart(10)}\n`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
