import { describe, expect, it } from 'vitest';
import { isEnabled, parseAnnotations } from '../../../src/discovery/annotations.js';
import { DEFAULT_POLICY } from '../../../src/model/index.js';

describe('parseAnnotations', () => {
  it('gives the defaults when nothing is set', () => {
    const { policy, problems } = parseAnnotations({ 'weir.dev/enabled': 'true' });
    expect(policy).toEqual(DEFAULT_POLICY);
    expect(problems).toEqual([]);
  });

  it('reads every knob in its own unit', () => {
    const { policy, problems } = parseAnnotations({
      'weir.dev/enabled': 'true',
      'weir.dev/mode': 'shadow',
      'weir.dev/profile': 'istio',
      'weir.dev/lb-policy': 'ring-hash',
      'weir.dev/latency-target': '120ms',
      'weir.dev/error-threshold': '5%',
      'weir.dev/half-life': '3s',
      'weir.dev/weight-floor': '0.1',
      'weir.dev/max-step': '0.25',
      'weir.dev/panic-threshold': '60%',
      'weir.dev/max-ejection': '0.5',
      'weir.dev/slow-start': '1m',
    });
    expect(problems).toEqual([]);
    expect(policy).toEqual({
      mode: 'shadow',
      profile: 'istio',
      lbPolicy: 'ring-hash',
      latencyTargetMs: 120,
      errorThreshold: 0.05,
      halfLifeMs: 3000,
      weightFloor: 0.1,
      maxStep: 0.25,
      panicThreshold: 0.6,
      maxEjection: 0.5,
      slowStartMs: 60_000,
    });
  });

  it('keeps the default and names annotation, value and reason for bad values', () => {
    const { policy, problems } = parseAnnotations({
      'weir.dev/mode': 'loud',
      'weir.dev/half-life': 'soon',
      'weir.dev/error-threshold': '150%',
      'weir.dev/profile': 'Bad Name',
      'weir.dev/lbpolicy': 'maglev',
    });
    expect(policy).toEqual(DEFAULT_POLICY);
    expect(problems.map((p) => [p.annotation, p.value])).toEqual([
      ['weir.dev/error-threshold', '150%'],
      ['weir.dev/half-life', 'soon'],
      ['weir.dev/lbpolicy', 'maglev'],
      ['weir.dev/mode', 'loud'],
      ['weir.dev/profile', 'Bad Name'],
    ]);
    expect(problems[0]!.reason).toMatch(/between 0.001 and 1/);
    expect(problems[2]!.reason).toMatch(/did you mean weir.dev\/lb-policy/);
  });

  it('opts in only on "true"', () => {
    expect(isEnabled({ 'weir.dev/enabled': 'true' })).toBe(true);
    expect(isEnabled({ 'weir.dev/enabled': 'TRUE ' })).toBe(true);
    expect(isEnabled({ 'weir.dev/enabled': 'yes' })).toBe(false);
    expect(isEnabled(undefined)).toBe(false);
  });
});
