// `npm run bench -- NAME [flags]`: one way to run every benchmark. Runs bench/NAME/main.ts
// with plain node and the TypeScript loader hook (bench/register.mjs: sources are
// transpiled on load, nothing is built first); the flags go to the benchmark. Child
// processes a benchmark forks inherit the hook.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

/**
 * The benchmarks, and the node flags each needs. Heap flags (a larger young generation,
 * README "Install it in a cluster") come from NODE_OPTIONS, which the benchmark inherits,
 * as weir would from its container's environment.
 */
const BENCHES = {
  engine: ['--expose-gc'], // allocation figures call gc() between ticks
  'xds-fanout': [],
  'kube-churn': [],
  loop: [],
  'loop-replay': [], // bench/loop/replay.ts: the engine over a loop run's recorded samples
  'loop-localities': [], // bench/loop/localities.ts: twins' tail spikes, sharing a gRPC locality or not
};
/** Entries that are not bench/NAME/main.ts. */
const ENTRIES = { 'loop-replay': './loop/replay.ts', 'loop-localities': './loop/localities.ts' };

const [name, ...flags] = process.argv.slice(2);
if (name === undefined || !Object.hasOwn(BENCHES, name)) {
  process.stderr.write(`usage: npm run bench -- NAME [flags]\n  NAME: ${Object.keys(BENCHES).join(', ')}` + (name === undefined ? '\n' : `\n  not a benchmark: ${JSON.stringify(name)}\n`));
  process.exit(2);
}
const entry = fileURLToPath(new URL(ENTRIES[name] ?? `./${name}/main.ts`, import.meta.url));
const register = new URL('./register.mjs', import.meta.url).href;
if (!existsSync(entry)) {
  process.stderr.write(`bench: ${entry} is missing\n`);
  process.exit(2);
}
const run = spawnSync(process.execPath, [...BENCHES[name], '--import', register, entry, ...flags], { stdio: 'inherit' });
if (run.error) {
  process.stderr.write(`bench: cannot start node: ${run.error.message}\n`);
  process.exit(1);
}
process.exit(run.status ?? 1);
