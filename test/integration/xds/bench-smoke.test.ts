/**
 * Keeps bench/xds-fanout from rotting: builds it the way bench/RESULTS-xds.md says and
 * runs it with small numbers (20 streams, 10 clusters, 2 rounds) in its own processes.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('bench/xds-fanout smoke', () => {
  test('runs with small numbers and reports every stream converging', () => {
    const outdir = path.join(root, 'bench/out/xds-fanout-smoke');
    execFileSync(
      path.join(root, 'node_modules/.bin/esbuild'),
      ['bench/xds-fanout/main.ts', 'bench/xds-fanout/client.ts', '--bundle', '--platform=node', '--format=esm', '--packages=external', `--outdir=${outdir}`, '--log-level=warning'],
      { cwd: root, stdio: 'pipe' },
    );
    const out = execFileSync(process.execPath, [path.join(outdir, 'main.js'), '--streams', '20', '--clusters', '10', '--endpoints', '5', '--rounds', '2', '--procs', '1', '--json'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 90_000,
    });
    const summary = JSON.parse(out.trim().split('\n').pop() ?? '{}') as {
      streams: number;
      missingStreams: number;
      convergenceMs: { p99: number };
      cpuSecondsPerUpdate: number;
      peakRssMb: number;
    };
    expect(summary.streams).toBe(20);
    expect(summary.missingStreams).toBe(0);
    expect(summary.convergenceMs.p99).toBeGreaterThan(0);
    expect(summary.cpuSecondsPerUpdate).toBeGreaterThan(0);
    expect(summary.peakRssMb).toBeGreaterThan(0);
  }, 120_000);
});
