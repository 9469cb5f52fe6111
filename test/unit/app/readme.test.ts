import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { START_FLAGS } from '../../../src/app/config.js';
import { KNOWN_ANNOTATIONS } from '../../../src/discovery/annotations.js';
import { DEFAULT_POLICY, POLICY_BOUNDS } from '../../../src/model/index.js';

// The README is the front door: every flag and every annotation must be documented there.
const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it.each(START_FLAGS.map((f) => [f.flag, f.env]))('documents --%s and %s', (flag, env) => {
    expect(readme).toContain(`\`--${flag}`);
    expect(readme).toContain(`\`${env}\``);
  });

  it.each(KNOWN_ANNOTATIONS.map((a) => [a]))('documents %s', (annotation) => {
    expect(readme).toContain(`\`${annotation}\``);
  });

  // The annotation table states each knob's default and bounds in the annotation's own
  // notation; it must say what src/model/policy.ts does.
  it.each([
    ['weir.dev/latency-target', `${DEFAULT_POLICY.latencyTargetMs}ms`, POLICY_BOUNDS.latencyTargetMs, 'ms'],
    ['weir.dev/error-threshold', String(DEFAULT_POLICY.errorThreshold), POLICY_BOUNDS.errorThreshold, ''],
    ['weir.dev/weight-floor', String(DEFAULT_POLICY.weightFloor), POLICY_BOUNDS.weightFloor, ''],
    ['weir.dev/max-step', String(DEFAULT_POLICY.maxStep), POLICY_BOUNDS.maxStep, ''],
    ['weir.dev/panic-threshold', String(DEFAULT_POLICY.panicThreshold), POLICY_BOUNDS.panicThreshold, ''],
    ['weir.dev/max-ejection', String(DEFAULT_POLICY.maxEjection), POLICY_BOUNDS.maxEjection, ''],
    ['weir.dev/half-life', `${DEFAULT_POLICY.halfLifeMs / 1000}s`, POLICY_BOUNDS.halfLifeMs, 'ms'],
    ['weir.dev/slow-start', `${DEFAULT_POLICY.slowStartMs / 1000}s`, POLICY_BOUNDS.slowStartMs, 'ms'],
  ] as const)('states the default and bounds of %s', (annotation, def, bounds, unit) => {
    const row = readme.split('\n').find((l) => l.startsWith(`| \`${annotation}\``));
    expect(row).toBeDefined();
    const cells = row!.split('|').map((c) => c.trim());
    expect(cells[2]).toBe(`\`${def}\``);
    const fmt = (v: number): string => (unit === 'ms' ? (v >= 60_000 ? `${v / 60_000}m` : v >= 1000 ? `${v / 1000}s` : `${v}ms`) : String(v));
    expect(cells[3]).toContain(`${fmt(bounds.min)} – ${fmt(bounds.max)}`);
  });

  it('gives the test command that CI runs', () => {
    const ci = readFileSync(new URL('../../../.ci/run', import.meta.url), 'utf8');
    expect(readme).toContain('bash scripts/setup.sh && npm test');
    expect(ci).toContain('bash scripts/setup.sh && npm test');
  });
});
