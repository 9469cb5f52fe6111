/**
 * The loop benchmark's command line:
 *
 *   npm run bench -- loop --scenario slow-backend --contender all --duration-scale 1 --out bench/out/
 *
 * It prints how long the run will take before it starts; every phase and wait is bounded.
 */
import { Command, InvalidArgumentError } from 'commander';
import { CONTENDERS } from './contenders.js';
import { writeOutputs } from './report.js';
import { DEFAULT_CLIENTS, DEFAULT_DEADLINE_MS, DEFAULT_SIGNAL_WINDOW_MS, estimateSeconds, runBenchmark, type BenchOptions } from './run.js';
import { buildScenarios, DEFAULT_CALIBRATION } from './scenarios.js';

function positive(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

const program = new Command('bench-loop')
  .description('weir against round_robin, outlier_detection, weighted_round_robin and an oracle, on loopback')
  .option('--scenario <name>', `scenario: ${buildScenarios().map((s) => s.name).join(', ')}, a comma list, or all`, 'all')
  .option('--contender <name>', `contender: ${CONTENDERS.map((c) => c.name).join(', ')}, a comma list, or all`, 'all')
  .option('--duration-scale <x>', 'multiply every phase (0.1 for a smoke run)', positive('--duration-scale'), 1)
  .option('--out <dir>', 'output folder', 'bench/out/')
  .option('--clients <n>', 'load client processes', positive('--clients'), DEFAULT_CLIENTS)
  .option('--deadline-ms <ms>', 'deadline of each call', positive('--deadline-ms'), DEFAULT_DEADLINE_MS)
  .option('--service-time-ms <ms>', 'mean service time of a healthy backend', positive('--service-time-ms'), DEFAULT_CALIBRATION.serviceTimeMs)
  .option('--capacity <n>', 'calls a backend serves at once (relative capacity 1)', positive('--capacity'), DEFAULT_CALIBRATION.capacity)
  .option('--signal-window-ms <ms>', "weir's rate() window", positive('--signal-window-ms'), DEFAULT_SIGNAL_WINDOW_MS)
  .option('--record-samples', "record weir's raw samples each second for every contender (in the JSON, for replay.ts)", false)
  .option('--no-png', 'skip the PNG plots (SVG only)');

program.parse();
const o = program.opts<{
  scenario: string;
  contender: string;
  durationScale: number;
  out: string;
  clients: number;
  deadlineMs: number;
  serviceTimeMs: number;
  capacity: number;
  signalWindowMs: number;
  recordSamples: boolean;
  png: boolean;
}>();

const options: BenchOptions = {
  scenario: o.scenario,
  contender: o.contender,
  durationScale: o.durationScale,
  outDir: o.out,
  clients: Math.round(o.clients),
  deadlineMs: o.deadlineMs,
  calibration: { serviceTimeMs: o.serviceTimeMs, capacity: Math.round(o.capacity) },
  signalWindowMs: o.signalWindowMs,
  recordSamples: o.recordSamples,
  say: (line) => process.stdout.write(`${line}\n`),
  // What is measured so far, without plots, after each scenario.
  onScenario: async (partial) => {
    await writeOutputs(partial, o.out, false);
  },
};

const estimate = estimateSeconds(options);
process.stdout.write(`bench/loop: about ${Math.ceil(estimate / 60)} min (${Math.round(estimate)} s)\n`);
const started = Date.now();
const result = await runBenchmark(options);
const files = await writeOutputs(result, o.out, o.png);
process.stdout.write(`done in ${Math.round((Date.now() - started) / 1000)} s:\n${files.map((f) => `  ${f}`).join('\n')}\n`);
