/**
 * A short run of bench/loop (one scenario, every base contender, a few seconds each) so
 * that the harness cannot rot. It checks that the harness produced sane, complete output,
 * not how good weir is: that is what the full run is for.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { writeOutputs } from '../../bench/loop/report.js';
import { runBenchmark, type BenchResult } from '../../bench/loop/run.js';

let outDir: string | undefined;

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

const CONTENDERS = ['round_robin', 'outlier_detection', 'weighted_round_robin', 'weir', 'weir-cpu', 'oracle'];

test(
  'bench/loop smoke: every contender is served and the outputs are complete',
  { timeout: 300_000 },
  async () => {
    outDir = await mkdtemp(path.join(tmpdir(), 'weir-bench-smoke-'));
    const result = await runBenchmark({
      scenario: 'slow-backend',
      contender: CONTENDERS.join(','),
      // 30 s warm-up → 1.2 s, 60 s fault → 2.4 s, 30 s heal → 1.2 s.
      durationScale: 0.04,
      outDir,
      clients: 1,
      recordSamples: true,
    });
    const files = await writeOutputs(result, outDir, true);

    expect(result.scenarios.map((s) => s.name)).toEqual(['slow-backend']);
    const scenario = result.scenarios[0]!;
    expect(scenario.contenders.map((c) => c.name)).toEqual(CONTENDERS);
    for (const c of scenario.contenders) {
      const f = c.figures;
      expect(f.calls, c.name).toBeGreaterThan(0);
      // Some calls were served by real backends (errors are allowed: the machine may be busy).
      const servedShare = f.phases.reduce((a, p) => a + p.shares.reduce((x, y) => x + y, 0), 0);
      expect(servedShare, c.name).toBeGreaterThan(0);
      expect(f.errorRate, c.name).not.toBeNull();
      expect(f.errorRate!, c.name).toBeLessThan(1);
      expect(f.p50Ms, c.name).toBeGreaterThan(0);
      expect(f.p99Ms!, c.name).toBeGreaterThanOrEqual(f.p50Ms!);
      expect(f.p999Ms!, c.name).toBeGreaterThanOrEqual(f.p99Ms!);
      expect(f.okP99Ms!, c.name).toBeGreaterThan(0);
      // The warm-up's p99 (the balancer's cold start) is over all of its calls, so at least
      // the median of its second half (the harness's health check).
      expect(c.warmUpP99Ms!, c.name).toBeGreaterThanOrEqual(c.health.warmUpP50Ms!);
      expect(f.phases.map((p) => p.name)).toEqual(['fault', 'healed']);
      expect(f.reactS).toHaveLength(1);
      expect(f.recoverS).toHaveLength(1);
      expect(c.timeline.second.length).toBe(5);
      expect(c.timeline.shares.every((row) => row.length === 5)).toBe(true);
      // The harness's event-loop delay was measured (the backends answer from its timers).
      const delay = c.health.loopDelayMs!;
      expect(delay.p99, c.name).toBeGreaterThan(0);
      expect(delay.max, c.name).toBeGreaterThanOrEqual(delay.p99);
    }
    // weir and the oracle publish weights the harness can observe; round_robin's are equal.
    const byName = new Map(scenario.contenders.map((c) => [c.name, c]));
    expect(byName.get('weir')!.weights.some((w) => w !== null)).toBe(true);
    expect(byName.get('weir-cpu')!.weights.some((w) => w !== null)).toBe(true);
    // The oracle keeps the 5× slower backend 3 at the floor while the others can carry the load.
    expect(byName.get('oracle')!.weights.some((w) => w !== null && w[2] === 1 && w[0] === 1000)).toBe(true);
    expect(byName.get('round_robin')!.figures.weightChangesPerMin).toBe(0);
    // Recorded: what weir's signals read each second, for every contender (for loop-replay),
    // and weir's own decisions with their reasons (what a replay cannot give once a run's
    // weights leave the recorded ones); the others take none.
    for (const c of scenario.contenders) expect(c.samples?.length ?? 0, c.name).toBeGreaterThan(0);
    for (const name of ['weir', 'weir-cpu']) {
      const decisions = byName.get(name)!.decisions;
      expect(Array.isArray(decisions), name).toBe(true);
      for (const d of decisions!) {
        expect(d.reason, name).toMatch(/\S/);
        expect(d.s, name).toBeLessThan(10);
      }
    }
    for (const name of ['round_robin', 'oracle']) expect(byName.get(name)!.decisions, name).toBeUndefined();

    const json = JSON.parse(await readFile(path.join(outDir, 'results.json'), 'utf8')) as BenchResult;
    expect(json.scenarios[0]!.contenders).toHaveLength(CONTENDERS.length);
    const md = await readFile(path.join(outDir, 'results.md'), 'utf8');
    for (const name of CONTENDERS) expect(md).toContain(`| ${name} |`);
    expect(md).toContain('| warm-up p99 ms |');
    expect(files).toContain(path.join(outDir, 'slow-backend.svg'));
    if (existsSync('/usr/bin/chromium')) expect(files).toContain(path.join(outDir, 'slow-backend.png'));
  },
);
