/**
 * Keeps bench/xds-fanout from rotting: runs it the way the README says (`npm run bench --
 * xds-fanout`, i.e. bench/run.mjs) with small numbers (20 streams, 10 clusters, 2 rounds),
 * in its own processes.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('bench/xds-fanout smoke', () => {
  test('runs with small numbers and reports every stream converging', () => {
    const out = execFileSync(process.execPath, [path.join(root, 'bench/run.mjs'), 'xds-fanout', '--streams', '20', '--clusters', '10', '--endpoints', '5', '--rounds', '2', '--procs', '1', '--json'], {
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
