/**
 * Re-renders the Markdown and the plots of a finished run from its results.json:
 *
 *   node --import ./bench/register.mjs bench/loop/render.ts bench/out/results.json [--no-png]
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeOutputs } from './report.js';
import type { BenchResult } from './run.js';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: render.ts RESULTS.json [--no-png]\n');
  process.exit(2);
}
const result = JSON.parse(await readFile(file, 'utf8')) as BenchResult;
const written = await writeOutputs(result, path.dirname(file), !process.argv.includes('--no-png'));
process.stdout.write(`${written.join('\n')}\n`);
