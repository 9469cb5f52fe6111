import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { controlStep, maxCut, probeSpeed, restoreKnee, settledOver, type ControlResult } from '../../../src/feedback/control.js';
import { newMemory, toWorking } from '../../../src/feedback/memory.js';
import { capShift, cpuRoom, limitShift } from '../../../src/feedback/shift.js';
import { decideEjections, ejectionCap, ejectionTimeMs, heldErrorRatio } from '../../../src/feedback/ejection.js';
import { nextBaseline } from '../../../src/feedback/baseline.js';
import { receiversStanding } from '../../../src/feedback/headroom.js';
import { decidePanic } from '../../../src/feedback/panic.js';
import { FAIR_WEIGHT, quantise, toWeight } from '../../../src/feedback/quantise.js';
import { callQuantile, costOf, lowerQuantile, scoreService, type Score } from '../../../src/feedback/scoring.js';
import { slowStartCap } from '../../../src/feedback/slow-start.js';
import { capacityCeilings, capacityOf, tailExponent, windowCapacity } from '../../../src/feedback/utilisation.js';
import { CLEARLY_FAST, HEALED_AFTER_MS, KNEE_FORGET_MS, NOISE_K, NOISE_MAX_FACTOR, NOISE_TYPICAL_HALF_LIFE_MS, PANIC_CONFIRM_MS, PANIC_MAX_MS, PROBE_SPEED, RESTORE_KNEE, TRIM_CUT, TRIM_HOLD_MS, CAPACITY_EQUAL, CAPACITY_MIN_CPU, TAIL_EXPONENT, TAIL_MAX_UTILISATION } from '../../../src/feedback/tuning.js';
import { nextNoiseVar, nextTypicalRatio, noiseFactor, spreadOf } from '../../../src/feedback/noise.js';
import { ewma, ewmaAsymmetric, hasData, smoothSample } from '../../../src/feedback/smoothing.js';
import type { EndpointSample } from '../../../src/model/index.js';
import { addresses, Driver, endpoint, policy, samples, service, sid, topology } from './fixtures.js';

describe('smoothing', () => {
  it('halves the distance to a new value after one half-life, whatever the interval', () => {
    expect(ewma(100, 0, 2000, 2000)).toBeCloseTo(50);
    expect(ewma(ewma(100, 0, 1000, 2000), 0, 1000, 2000)).toBeCloseTo(50);
  });
  it('takes the first value as is and ignores a repeated sample', () => {
    expect(ewma(undefined, 42, 0, 2000)).toBe(42);
    expect(ewma(10, 42, 0, 2000)).toBe(10);
  });
  it('takes a worsening faster than an improvement', () => {
    const up = ewmaAsymmetric(100, 200, 1000, 2000, 'up') - 100;
    const down = 100 - ewmaAsymmetric(100, 0, 1000, 2000, 'up');
    expect(up).toBeGreaterThan(down);
  });
  it('smooths each signal over the time since its own last value', () => {
    // An error ratio of 100% seen 30 s ago; request-rate-only samples since (no calls).
    const out = smoothSample({ latencyMs: 1, errorRatio: 1, requestRate: 0 }, { latencyMs: 90, errorRatio: 0, requestRate: 0.5 }, 1000, 2000, [], 30_000, 30_000);
    expect(out.errorRatio).toBeLessThan(0.001);
    expect(out.latencyMs).toBeGreaterThan(89);
    // Without gaps (every field every tick) it is the plain step.
    expect(smoothSample({ errorRatio: 1 }, { errorRatio: 0 }, 2000, 2000, []).errorRatio).toBeCloseTo(0.5);
  });
  it('does not eject a healed endpoint for the errors it had before a silence', () => {
    const addrs = addresses(5);
    const d = new Driver(topology(service('api', addrs.map((a) => endpoint(a)))));
    const all = (c: EndpointSample): Record<string, EndpointSample> =>
      Object.fromEntries(addrs.map((a) => [a, a === addrs[2] ? c : { latencyMs: 100, errorRatio: 0, requestRate: 12 }]));
    let now = 1_000_000;
    const tick = (c: EndpointSample): void => {
      now += 1000;
      d.tick(now, samples(now, { api: all(c) }));
    };
    for (let t = 0; t < 10; t++) tick({ latencyMs: 100, errorRatio: 0, requestRate: 12 });
    for (let t = 0; t < 3; t++) tick({ latencyMs: 1, errorRatio: 1, requestRate: 12 });
    expect(d.endpointState('api', addrs[2]!)).toBe('ejected');
    // Ejected: almost no calls, so no latency and no error ratio, for a minute.
    for (let t = 0; t < 60; t++) tick({ requestRate: 0 });
    // Back, healed: its few calls succeed. It stays in.
    for (let t = 0; t < 3; t++) tick({ latencyMs: 90, errorRatio: 0, requestRate: 0.5 });
    expect(d.endpointState('api', addrs[2]!)).not.toBe('ejected');
  });
  it('treats NaN, infinities and negatives as no data and keeps the smoothed value', () => {
    expect(hasData({ latencyMs: NaN, errorRatio: Infinity }, [])).toBe(false);
    const out = smoothSample({ latencyMs: 50, errorRatio: 0.01 }, { latencyMs: NaN, errorRatio: -1 }, 1000, 2000, []);
    expect(out).toEqual({ latencyMs: 50, errorRatio: 0.01 });
  });
  it('smooths a sample with every signal exactly as it smooths each signal alone', () => {
    // Every signal known before and now takes a shorter path than a partial sample does;
    // both must give the same numbers, to the bit.
    const value = fc.double({ min: 0, max: 1e4, noNaN: true });
    fc.assert(
      fc.property(
        fc.tuple(value, value, value, value, value),
        fc.tuple(value, value, value, value, value),
        fc.integer({ min: 0, max: 60_000 }),
        fc.integer({ min: 0, max: 60_000 }),
        (before, now, dtMs, gapMs) => {
          const keys = ['latencyMs', 'errorRatio', 'requestRate', 'cpu', 'memory'] as const;
          const previous = Object.fromEntries(keys.map((k, i) => [k, before[i]!]));
          const sample = Object.fromEntries(keys.map((k, i) => [k, now[i]!]));
          const all = smoothSample(previous, sample, dtMs, 2000, [], dtMs + gapMs, dtMs + 2 * gapMs);
          for (const k of keys) {
            const alone = smoothSample({ [k]: previous[k] }, { [k]: sample[k] }, dtMs, 2000, [], dtMs + gapMs, dtMs + 2 * gapMs);
            expect(Object.is(all[k], alone[k])).toBe(true);
          }
        },
      ),
    );
  });
});

describe('scoring', () => {
  const p = policy({ latencyTargetMs: 250 });
  it('uses the lower order statistic as the quantile', () => {
    expect(lowerQuantile([50, 10, 40, 20, 30], 0.25)).toBe(20);
    expect(lowerQuantile([], 0.25)).toBeUndefined();
  });
  it('selects what a sort would, whatever the length, ties and NaNs, and leaves its input alone', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ noNaN: true }), fc.integer({ min: 0, max: 4 }), fc.constant(Number.NaN)), { minLength: 1, maxLength: 200 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (values, q) => {
          const copy = [...values];
          const want = Float64Array.from(values).sort()[Math.floor(q * (values.length - 1))];
          expect(Object.is(lowerQuantile(values, q), want)).toBe(true);
          expect(values).toEqual(copy);
        },
      ),
    );
  });
  it('counts the reference by calls: equal shares give the lower order statistic, a trickle barely counts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 50 }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (values, share, q) => {
          expect(callQuantile(values, values.map(() => share), q)).toBe(lowerQuantile(values, q));
        },
      ),
    );
    // Against the definition, spelled out with a sort.
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.oneof(fc.double({ min: 0.001, max: 10, noNaN: true }), fc.constant(0))), { minLength: 1, maxLength: 80 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (pairs, q) => {
          const values = pairs.map(([v]) => v);
          const shares = pairs.map(([, s]) => s);
          const largest = Math.max(...shares);
          const count = (s: number) => (s > 0 ? s : largest);
          const want = (() => {
            if (largest === 0 || shares.every((s) => s === shares.find((x) => x > 0) || s === 0)) return lowerQuantile(values, q);
            const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]! || a - b);
            const total = shares.reduce((a, s) => a + count(s), 0);
            let before = 0;
            let at = order[0]!;
            for (const i of order) {
              if (before > q * (total - total / values.length)) break;
              at = i;
              before += count(shares[i]!);
            }
            return values[at];
          })();
          expect(callQuantile(values, shares, q)).toBe(want);
        },
      ),
    );
    // Three endpoints spared at 1–2% of the weight, two carrying the calls.
    expect(callQuantile([120, 120, 160, 300, 460], [0.01, 0.01, 0.02, 1, 1], 0.25)).toBe(300);
    expect(lowerQuantile([120, 120, 160, 300, 460], 0.25)).toBe(120);
    // No usable share: by position.
    expect(callQuantile([50, 10, 40, 20, 30], [0, 0, 0, 0, 0], 0.25)).toBe(20);
    expect(callQuantile([], [], 0.25)).toBeUndefined();
  });
  it('does not judge the endpoints carrying the calls against one spared at a trickle', () => {
    const inputs = [
      { address: 'a', signals: { latencyMs: 120 }, current: true, ejected: false, effective: 0.01 },
      { address: 'b', signals: { latencyMs: 120 }, current: true, ejected: false, effective: 0.01 },
      { address: 'c', signals: { latencyMs: 160 }, current: true, ejected: false, effective: 0.02 },
      { address: 'd', signals: { latencyMs: 300 }, current: true, ejected: false, effective: 1 },
      { address: 'e', signals: { latencyMs: 460 }, current: true, ejected: false, effective: 1 },
    ];
    const { referenceMs, scores } = scoreService(inputs, p, []);
    expect(referenceMs).toBe(300);
    expect(scores.get('e')!.ratio).toBeCloseTo(460 / 300);
    expect(scores.get('a')!.ratio).toBeLessThan(0.5);
  });
  it('prices errors so that failing fast never looks cheap', () => {
    const fast = costOf({ latencyMs: 1, errorRatio: 0.5 }, 30, p, []).cost!;
    const healthy = costOf({ latencyMs: 30, errorRatio: 0 }, 30, p, []).cost!;
    expect(fast).toBeGreaterThan(10 * healthy);
  });
  it('scores a 5× slower endpoint as degraded relative to its peers', () => {
    const inputs = ['a', 'b', 'c', 'd', 'e'].map((address, i) => ({
      address,
      signals: { latencyMs: i === 2 ? 150 : 30 },
      current: true,
      ejected: false,
    }));
    const { referenceMs, scores } = scoreService(inputs, p, []);
    expect(referenceMs).toBe(30);
    expect(scores.get('c')!.ratio).toBeCloseTo(5);
    expect(scores.get('c')!.degraded).toBe(true);
    expect(scores.get('a')!.degraded).toBe(false);
  });
  it('does not judge endpoints without current data', () => {
    const { scores } = scoreService([{ address: 'a', signals: { latencyMs: 900 }, current: false, ejected: false }], p, []);
    expect(scores.get('a')!.ratio).toBeUndefined();
  });
  it('penalises a custom signal past its threshold in its direction', () => {
    const spec = { name: 'success', direction: 'higher-is-better' as const, threshold: 0.95 };
    const bad = costOf({ latencyMs: 30, custom: { success: 0.9 } }, 30, p, [spec]);
    const good = costOf({ latencyMs: 30, custom: { success: 0.99 } }, 30, p, [spec]);
    expect(bad.customBreaches).toEqual(['success']);
    expect(bad.cost!).toBeGreaterThan(good.cost!);
  });
});

describe('control', () => {
  const p = policy();
  const never = { sinceCutMs: Infinity, sinceEpisodeMs: Infinity, cutFrom: 1, deepenFrom: 0, deepenOpen: false };
  const held = { sinceCutMs: 1000, sinceEpisodeMs: 1000, cutFrom: 1, deepenFrom: 0, deepenOpen: false };
  it('does not cut again, within an episode, on a latency that reads a queue that is gone', () => {
    // Cut to 7% at the cold start on its backlog; its hold over, the window still reads 13×.
    const after = { sinceCutMs: 6_000, sinceEpisodeMs: 7_000, cutFrom: 1, episodeLow: 0.07, deepenFrom: 0, deepenOpen: false };
    expect(controlStep(0.07, 13, 1, p, after).action).toBe('cut');
    expect(controlStep(0.07, 13, 1, p, { ...after, queueGone: true })).toEqual({ control: 0.07, action: 'hold' });
    // At its full share it is no episode's: a latency that high is cut as ever.
    expect(controlStep(1, 13, 1, p, { ...never, queueGone: true }).action).toBe('cut');
    // Long after its episode began, neither.
    expect(controlStep(0.07, 13, 1, p, { ...after, sinceEpisodeMs: 120_000, queueGone: true }).action).toBe('cut');
  });
  it('restores fast only to the middle between where trouble began and how low the cuts went', () => {
    // Trouble at 1, all well at 0.02: the knee is √0.02 ≈ 0.14, not half of 1.
    expect(restoreKnee(1, 0.02)).toBeCloseTo(Math.sqrt(0.02));
    expect(restoreKnee(1, 0.7)).toBe(RESTORE_KNEE);
    const deep = { sinceCutMs: 10_000, sinceEpisodeMs: 10_000, cutFrom: 1, episodeLow: 0.02, deepenFrom: 0, deepenOpen: false };
    expect(controlStep(0.08, 1, 1, p, deep).control).toBeCloseTo(0.08 * (1 + p.maxStep));
    // Fast up to the knee, not past it: from 0.1 a full step (×1.5) would reach 0.15.
    expect(controlStep(0.1, 1, 1, p, deep).control).toBeCloseTo(Math.sqrt(0.02));
    expect(controlStep(0.2, 1, 1, p, deep).control).toBeCloseTo(0.2 * (1 + p.maxStep * PROBE_SPEED));
    // Much faster than its peers past the knee: the cut relieved it, or it healed. Soon
    // after the cut it probes; long after, it is taken as healed (full speed).
    expect(controlStep(0.2, CLEARLY_FAST / 2, 1, p, deep).control).toBeCloseTo(0.2 * (1 + p.maxStep * PROBE_SPEED));
    const longAgo = { ...deep, sinceCutMs: HEALED_AFTER_MS };
    expect(controlStep(0.2, CLEARLY_FAST / 2, 1, p, longAgo).control).toBeCloseTo(0.2 * (1 + p.maxStep));
    // Left alone at a low level long enough, it is not probing a limit: fast up to half
    // the level where trouble began, whatever the cuts reached.
    const forgotten = { ...deep, sinceCutMs: KNEE_FORGET_MS };
    expect(controlStep(0.2, 1, 1, p, forgotten).control).toBeCloseTo(0.2 * (1 + p.maxStep));
    expect(controlStep(0.4, 1, 1, p, forgotten).control).toBeCloseTo(RESTORE_KNEE);
    // Unless the level trouble began at was only where the first tick put it: then the
    // middle knee stays (a small backend overloaded at equal weights is no healed one).
    const unproven = { ...forgotten, provenFrom: false };
    expect(controlStep(0.1, 1, 1, p, unproven).control).toBeCloseTo(Math.sqrt(0.02));
    expect(controlStep(0.2, 1, 1, p, unproven).control).toBeCloseTo(0.2 * (1 + p.maxStep * PROBE_SPEED));
  });
  it('past the knee, restores slower the nearer the reading is to the band\'s edge', () => {
    const deep = { sinceCutMs: HEALED_AFTER_MS, sinceEpisodeMs: HEALED_AFTER_MS, cutFrom: 1, episodeLow: 0.5, deepenFrom: 0, deepenOpen: false };
    const after = (ratio: number) => controlStep(0.6, ratio, 1, p, deep).control / 0.6;
    // A reading of 1.12× (a dip of a loaded backend) barely moves it; 1× probes; 0.6× is a healed backend.
    expect(after(1.12)).toBeGreaterThan(1);
    expect(after(1.12)).toBeLessThan(1 + p.maxStep * PROBE_SPEED * 0.25);
    expect(after(1)).toBeCloseTo(1 + p.maxStep * PROBE_SPEED);
    expect(after(0.6)).toBeCloseTo(1 + p.maxStep);
    // Never faster for a worse reading.
    let last = Infinity;
    for (const since of [0, HEALED_AFTER_MS]) {
      last = Infinity;
      for (let r = 0.5; r < 1.15; r += 0.01) {
        expect(probeSpeed(r, since)).toBeLessThanOrEqual(last);
        last = probeSpeed(r, since);
      }
    }
  });
  it('does not probe on a dip of an endpoint that typically reads over the band', () => {
    const probed = { sinceCutMs: 10_000, sinceEpisodeMs: 10_000, cutFrom: 1, episodeLow: 0.5, deepenFrom: 0, deepenOpen: false };
    // Past its knee, reading 1.05× in a service whose noise is ×1.5: it probes when it
    // typically reads about that, not when it typically reads 1.4× (a dip, within the noise).
    expect(controlStep(0.56, 1.05, 1, p, probed, 1.5, 1.1).control).toBeGreaterThan(0.56);
    expect(controlStep(0.56, 1.05, 1, p, probed, 1.5, 1.4)).toEqual({ control: 0.56, action: 'hold' });
    expect(settledOver(1.05, 1.4, 1.5)).toBe(true);
    // A reading further under its typical standing than the noise explains is a change: a
    // backend that healed after a slow minute (typical 5×) probes, and so does a clearly fast one.
    expect(controlStep(0.56, 0.9, 1, p, probed, 1.5, 5).control).toBeGreaterThan(0.56);
    expect(settledOver(CLEARLY_FAST * 0.9, 1.2, 1.8)).toBe(false);
    // Under the knee it restores fast whatever its typical standing.
    expect(controlStep(0.3, 1.05, 1, p, probed, 1.5, 1.4).control).toBeCloseTo(0.3 * (1 + p.maxStep));
  });
  it('holds inside the dead band', () => {
    expect(controlStep(1, 1.2, 1, p, never)).toEqual({ control: 1, action: 'hold' });
    expect(controlStep(0.5, 1.2, 1, p, never)).toEqual({ control: 0.5, action: 'hold' });
  });
  it('cuts a much worse endpoint by at most the cut limit, and not again before the data shows it', () => {
    const r = controlStep(1, 5, 1, p, never);
    expect(r.action).toBe('cut');
    expect(r.control).toBeGreaterThanOrEqual(maxCut(p, 1));
    expect(r.control).toBeLessThan(0.3);
    expect(controlStep(1, 500, 1, p, never).control).toBeCloseTo(maxCut(p, 1));
    expect(controlStep(r.control, 5, 1, p, held).action).toBe('hold');
  });
  it('never cuts below the floor and restores no faster than maxStep', () => {
    expect(controlStep(p.weightFloor, 50, 1, p, never).control).toBe(p.weightFloor);
    const up = controlStep(0.1, 1, 1, p, never);
    expect(up.action).toBe('restore');
    expect(up.control).toBeLessThanOrEqual(0.1 * (1 + p.maxStep) + 1e-12);
  });
  it('widens the band by the noise it is given, and sizes the cut by the reading alone', () => {
    expect(controlStep(1, 2, 1, p, never, 1.5).action).toBe('hold');
    expect(controlStep(1, 2.2, 1, p, never, 1.5).control).toBeCloseTo(controlStep(1, 2.2, 1, p, never).control);
  });
  it('trims an endpoint whose standing stays over the band that the noise widened, a little and not often', () => {
    // The noise puts the band at 2.52×: a reading of 1.8× alone is held ...
    expect(controlStep(0.65, 1.8, 1, p, never, 1.8).action).toBe('hold');
    expect(controlStep(0.65, 1.8, 1, p, never, 1.8, 1.3).action).toBe('hold');
    // ... but not when the endpoint has read about that for the last ten seconds.
    const trim = controlStep(0.65, 1.8, 1, p, never, 1.8, 1.75);
    expect(trim).toMatchObject({ action: 'cut', trimmed: true, deepenFrom: 0.65 });
    expect(trim.control).toBeCloseTo(0.65 * TRIM_CUT);
    // The current reading must be over the plain band too, and the last cut well past.
    expect(controlStep(0.65, 1.3, 1, p, never, 1.8, 1.75).action).toBe('hold');
    expect(controlStep(0.65, 1.8, 1, p, { ...never, sinceCutMs: TRIM_HOLD_MS - 1 }, 1.8, 1.75).action).toBe('hold');
    // A reading the noise cannot explain, during the trim's hold, cuts as deep as a full cut would have.
    const open = { sinceCutMs: 1000, sinceEpisodeMs: 1000, cutFrom: 0.65, deepenFrom: 0.65, deepenOpen: true };
    expect(controlStep(trim.control, 6, 1, p, open, 1.8, 2).control).toBeCloseTo(0.65 * (1.4 / 6));
  });
  it('with a CPU signal, keeps an endpoint at or under its capacity share', () => {
    // Near the reference, latency alone restores it (and past its share) ...
    expect(controlStep(0.54, 1.1, 1, p, never, 1, 1.1).control).toBeGreaterThan(0.55);
    // ... the ceiling stops the restore there, and brings one over it down, by a cut's limit at most.
    expect(controlStep(0.54, 1.1, 1, p, never, 1, 1.1, 0.55)).toEqual({ control: 0.55, action: 'restore', capped: true });
    expect(controlStep(0.55, 1.1, 1, p, never, 1, 1.1, 0.55)).toEqual({ control: 0.55, action: 'hold' });
    expect(controlStep(0.7, 1, 1, p, never, 1, 1, 0.55)).toEqual({ control: 0.55, action: 'cut', deepenFrom: 0, trimmed: true, capped: true });
    expect(controlStep(1, 1, 1, p, never, 1, 1, 0.05).control).toBeCloseTo(maxCut(p, 1));
    // Within its hysteresis it holds; a latency cut deeper than the ceiling is the latency's.
    expect(controlStep(0.57, 1, 1, p, held, 1, 1, 0.55)).toEqual({ control: 0.57, action: 'hold' });
    const deep = controlStep(0.7, 3, 1, p, never, 1, 1, 0.55);
    expect(deep.control).toBeLessThan(0.55);
    expect(deep.capped).toBeUndefined();
    // A ceiling over the control changes nothing.
    expect(controlStep(0.3, 1.1, 1, p, never, 1, 1.1, 0.9)).toEqual(controlStep(0.3, 1.1, 1, p, never, 1, 1.1));
  });
  it('estimates capacity as calls a second at 100% CPU, and ceilings against the largest', () => {
    const e = (cpu: number | undefined, requestRate: number | undefined, current = true, ejected = false) => ({
      signals: { cpu, requestRate, capacity: windowCapacity(requestRate, 0, cpu) },
      current,
      ejected,
    });
    expect(windowCapacity(14, 0, 0.7)).toBeCloseTo(20);
    // Successful calls only: half of 28 calls failing within a millisecond cost no CPU.
    expect(windowCapacity(28, 0.5, 0.7)).toBeCloseTo(20);
    expect(windowCapacity(14, undefined, 0.7)).toBeCloseTo(20);
    expect(windowCapacity(14, 1, 0.7)).toBeUndefined();
    expect(windowCapacity(14, NaN, 0.7)).toBeCloseTo(20);
    expect(windowCapacity(14, 0, Infinity)).toBeUndefined();
    expect(windowCapacity(1, 0, CAPACITY_MIN_CPU / 2)).toBeUndefined();
    expect(windowCapacity(0, 0, 0.5)).toBeUndefined();
    expect(windowCapacity(10, 0, undefined)).toBeUndefined();
    expect(capacityOf({ cpu: 0.7, requestRate: 14 })).toBeUndefined();
    expect(capacityOf({ cpu: 0.7, requestRate: 14, capacity: 20 })).toBe(20);
    // Capacities 20, 20, 40, 80, 80 (the loop benchmark's heterogeneous service) at any load;
    // 150 calls/s of 240, so the large ones have room for the whole tail exponent.
    const { ceilings, largest } = capacityCeilings([e(0.6, 12), e(0.3, 6), e(0.9, 36), e(0.7, 56), e(0.5, 40)]);
    expect(largest).toBeCloseTo(80);
    [0.25, 0.25, 0.5].forEach((share, i) => expect(ceilings[i]).toBeCloseTo(Math.pow(share, 1 + TAIL_EXPONENT)));
    expect(ceilings.slice(3)).toEqual([undefined, undefined]);
    // Estimates within CAPACITY_EQUAL of the largest are equal backends straying: no ceiling.
    expect(capacityCeilings([e(0.7, 14), e(0.7, 13), e(0.7, 14 * CAPACITY_EQUAL + 0.1)]).ceilings).toEqual([]);
    // Not from stale or ejected endpoints, and none with fewer than two estimates.
    expect(capacityCeilings([e(0.5, 10), e(0.5, 100, false), e(0.5, 100, true, true), e(undefined, 5)]).ceilings).toEqual([]);
    // 54 calls/s of 60: the larger one would be over 80% busy even at the capacity shares.
    expect(capacityCeilings([e(0.9, 18), e(0.5, 40, false), e(0.9, 36)]).ceilings).toEqual([0.5, undefined, undefined]);
    // A panic's split: each endpoint's capacity over the largest's, whatever the load (the
    // mass degradation: three at a third of their capacity, all of them busy).
    const mass = capacityCeilings([e(1, 6.7), e(1, 6.6), e(1, 6.7), e(1, 20), e(1, 20), e(undefined, 5), e(1, 6, true, true)]).split;
    [1 / 3, 0.33, 1 / 3].forEach((m, i) => expect(mass[i]).toBeCloseTo(m, 2));
    expect(mass.slice(3)).toEqual([undefined, undefined, undefined, undefined]);
    // The same rules as the ceilings': none among equals, none with fewer than two estimates.
    expect(capacityCeilings([e(0.7, 14), e(0.7, 13), e(0.7, 14 * CAPACITY_EQUAL + 0.1)]).split).toEqual([]);
    expect(capacityCeilings([e(0.5, 10), e(0.5, 100, false), e(undefined, 5)]).split).toEqual([]);
  });
  it('serves smaller endpoints under their capacity shares only as far as the largest have room', () => {
    const hetero = [0.25, 0.25, 0.5, 1, 1];
    // The loop benchmark's heterogeneous service, 70% busy: the whole exponent (the large ones at 77%).
    expect(tailExponent(hetero, 0.7)).toBe(TAIL_EXPONENT);
    // Its mass degradation (three backends at a third of their capacity, 100% busy): none.
    expect(tailExponent([1 / 3, 1 / 3, 1 / 3, 1, 1], 1)).toBe(0);
    expect(tailExponent(hetero, 0.85)).toBe(0);
    // In between, as much as keeps the largest at TAIL_MAX_UTILISATION; less the busier the service.
    const largestAt = (u: number, a: number) => (u * 3) / (2 + 2 * Math.pow(0.25, 1 + a) + Math.pow(0.5, 1 + a));
    const a = tailExponent(hetero, 0.75);
    expect(a).toBeGreaterThan(0);
    expect(a).toBeLessThan(TAIL_EXPONENT);
    expect(largestAt(0.75, a)).toBeCloseTo(TAIL_MAX_UTILISATION, 2);
    expect(tailExponent(hetero, 0.77)).toBeLessThan(a);
    expect(tailExponent(hetero, Number.NaN)).toBe(0);
  });
  it('does not restore right after a cut', () => {
    expect(controlStep(0.1, 1, 1, p, held).action).toBe('hold');
  });
  it('holds without data', () => {
    expect(controlStep(0.3, undefined, 1, p, never)).toEqual({ control: 0.3, action: 'hold' });
  });
  it('deepens a full cut during its hold as the reading of the same trouble grows, from where the cut started', () => {
    // First reading 3× (the window is still filling): cut to 1.4/3 of the fair share.
    const first = controlStep(1, 3, 1, p, never);
    expect(first).toMatchObject({ action: 'cut', deepenFrom: 1 });
    expect(first.control).toBeCloseTo(1.4 / 3);
    // A second later the reading says 5×: deepened to 1.4/5 of the base, not of the cut level.
    const open = { sinceCutMs: 1000, sinceEpisodeMs: 1000, cutFrom: 1, deepenFrom: 1, deepenOpen: true };
    const deeper = controlStep(first.control, 5, 1, p, open);
    expect(deeper).toMatchObject({ action: 'cut', deepened: true, deepenFrom: 1 });
    expect(deeper.control).toBeCloseTo(1.4 / 5);
    // The same reading again does not compound, nor does a small growth, nor a closed window.
    expect(controlStep(deeper.control, 5, 1, p, open).action).toBe('hold');
    expect(controlStep(first.control, 3.3, 1, p, open).action).toBe('hold');
    expect(controlStep(first.control, 5, 1, p, { ...open, deepenOpen: false }).action).toBe('hold');
  });
  it('deepens past one cut\'s limit while the reading keeps growing, down to two cuts from the base', () => {
    // A backend 5× slower whose queue grows: the readings lag it and go 4×, 9×, 15×, 40×.
    const open = { sinceCutMs: 1000, sinceEpisodeMs: 1000, cutFrom: 1, deepenFrom: 1, deepenOpen: true };
    const second = controlStep(1.4 / 4, 9, 1, p, open);
    expect(second.control).toBeCloseTo(1.4 / 9);
    // 15× asks for 0.093 of the base, under one cut's limit (0.13): it gets it.
    const third = controlStep(second.control, 15, 1, p, open);
    expect(third).toMatchObject({ action: 'cut', deepened: true });
    expect(third.control).toBeCloseTo(1.4 / 15);
    expect(third.control).toBeLessThan(maxCut(p, 1));
    // Never deeper than two cuts' limit from the base, whatever the reading.
    expect(controlStep(third.control, 1000, 1, p, open).control).toBeCloseTo(Math.max(p.weightFloor, maxCut(p, 1) ** 2));
  });
  it('deepens a cut to two cuts\' limit (the floor from a full share) while calls in flight still show a backlog', () => {
    // The loop benchmark's slow backend held 23 calls the tick after its cut (a 6 s wait at
    // the 4 calls a second it serves): its reading asked for 7% of its share; every call
    // sent there joins the queue, so it gets the floor's trickle until the queue drains.
    const open = { sinceCutMs: 1000, sinceEpisodeMs: 1000, cutFrom: 1, deepenFrom: 1, deepenOpen: true };
    const proportional = controlStep(0.2, 19, 1, p, open);
    expect(proportional.control).toBeCloseTo(1.4 / 19);
    const backlogged = controlStep(0.2, 19, 1, p, { ...open, backlog: true });
    expect(backlogged).toMatchObject({ action: 'cut', deepened: true, deepenFrom: 1 });
    expect(backlogged.control).toBeCloseTo(Math.max(p.weightFloor, maxCut(p, 1) ** 2));
    // Only during the cut's deepening window: a backlog reading is otherwise a reading.
    expect(controlStep(0.2, 19, 1, p, { ...open, backlog: true, deepenOpen: false }).action).toBe('hold');
  });
  it('gives an endpoint back at (or most of the way back to) its full share a full cut, even soon after an episode', () => {
    const soon = { sinceCutMs: 20_000, sinceEpisodeMs: 20_000, cutFrom: 1, deepenFrom: 0, deepenOpen: false };
    expect(controlStep(1, 5, 1, p, soon)).toMatchObject({ action: 'cut', deepenFrom: 1 });
    expect(controlStep(1, 5, 1, p, soon).control).toBeCloseTo(1.4 / 5);
    // 91% of the level the episode began at is back, not probing (a flapping backend
    // restored to 91 after a cut at the warm-up's cold start was cut ×0.7 every 6 s).
    expect(controlStep(0.91, 5, 1, p, soon)).toMatchObject({ action: 'cut', deepenFrom: 0.91 });
    expect(controlStep(0.91, 5, 1, p, soon).control).toBeCloseTo(0.91 * (1.4 / 5));
    // An episode that began lower has its own ceiling.
    expect(controlStep(0.45, 5, 1, p, { ...soon, cutFrom: 0.5 }).control).toBeCloseTo(0.45 * (1.4 / 5));
  });
  it('does not deepen a gentle probing cut', () => {
    const probe = controlStep(0.7, 5, 1, p, { sinceCutMs: 20_000, sinceEpisodeMs: 20_000, cutFrom: 1, deepenFrom: 0, deepenOpen: false });
    expect(probe).toMatchObject({ action: 'cut', deepenFrom: 0 });
    expect(probe.control).toBeCloseTo(0.7 * 0.7);
  });
});

describe('capacity from CPU', () => {
  it('reads an endpoint whose load ramps up at its capacity, not under it', () => {
    // Back from an ejection: 1 call/s ×1.5 a second, 20 calls/s at 100% CPU. CPU is smoothed
    // faster when it rises; the smoothed rate over the smoothed CPU read half of 20.
    let signals = {};
    for (let t = 0; t < 8; t++) {
      const requestRate = Math.pow(1.5, t);
      signals = smoothSample(signals, { latencyMs: 100, errorRatio: 0, requestRate, cpu: requestRate / 20, memory: 0.5 }, 1000, 2000, []);
    }
    expect(capacityOf(signals)).toBeCloseTo(20);
    // None once it is idle (no CPU to measure it by): an old estimate is from another time.
    signals = smoothSample(signals, { latencyMs: 100, errorRatio: 0, requestRate: 0, cpu: 0, memory: 0.5 }, 1000, 2000, []);
    expect(capacityOf(signals)).toBeUndefined();
  });
  it('reads a fall of the capacity within a tick or two, a rise over the half-life', () => {
    const at = (capacity: number) => ({ latencyMs: 100, errorRatio: 0, requestRate: 12, cpu: 12 / capacity, memory: 0.5 });
    let signals = smoothSample({}, at(20), 1000, 2000, []);
    signals = smoothSample(signals, at(20), 1000, 2000, []);
    // A third of it (the mass degradation's slow three): 94% of the way in two 1 s ticks.
    for (let t = 0; t < 2; t++) signals = smoothSample(signals, at(20 / 3), 1000, 2000, []);
    expect(capacityOf(signals)!).toBeLessThan(1.15 * (20 / 3));
    // Back up: half the way after one half-life (2 s), not at once.
    for (let t = 0; t < 2; t++) signals = smoothSample(signals, at(20), 1000, 2000, []);
    expect(capacityOf(signals)!).toBeGreaterThan(12);
    expect(capacityOf(signals)!).toBeLessThan(15);
  });
  const addrs = addresses(5);
  /** A minute of equal latencies; each endpoint answers 12 calls/s at the CPU its capacity (calls/s at 100%) means. */
  function run(capacities: readonly (number | undefined)[]): Driver {
    const d = new Driver(topology(service('api', addrs.map((a) => endpoint(a)))));
    let now = 1_000_000;
    for (let t = 0; t < 60; t++) {
      now += 1000;
      const cpu = (i: number) => (capacities[i] === undefined ? {} : { cpu: 12 / capacities[i]! });
      d.tick(now, samples(now, { api: Object.fromEntries(addrs.map((a, i) => [a, { latencyMs: 100, errorRatio: 0, requestRate: 12, ...cpu(i) }])) }));
    }
    return d;
  }

  it('serves each endpoint at most its capacity share when latency sees no difference', () => {
    const d = run([20, 20, 40, 80, 80]);
    const w = addrs.map((a) => d.weight('api', a));
    const top = Math.max(...w);
    // (At 25% busy the large ones have room: the smaller ones sit under their shares.)
    [0.25, 0.25, 0.5, 1, 1].forEach((share, i) => expect(w[i]! / top).toBeCloseTo(Math.pow(share, 1 + TAIL_EXPONENT), 1));
    const capped = d.last!.services.get(sid('api'))!.endpoints.find((e) => e.address === addrs[2])!;
    expect(capped.reason).toMatch(/capacity 40\.0 calls\/s at 100% CPU, 50% of the largest peer's \(now 12\.0 calls\/s at CPU 30%\): its ceiling is 40.6% of its fair share, capping there/);
  });

  it('changes nothing without CPU, or with one endpoint only that reports it', () => {
    for (const d of [run([undefined, undefined, undefined, undefined, undefined]), run([20, undefined, undefined, undefined, undefined])]) {
      expect(new Set(addrs.map((a) => d.weight('api', a))).size).toBe(1);
    }
  });
});

describe('capped shift', () => {
  it('moves at most 40% of the traffic in one round, and a capped cut is not deepened later', () => {
    const work = ['a', 'b', 'c', 'd', 'e'].map((a) => toWorking(newMemory(a, 0, true, 0, 1), a));
    const proposals = new Map<string, ControlResult>();
    for (const a of ['a', 'b', 'c']) proposals.set(a, { control: 0.13, action: 'cut', deepenFrom: 1 });
    expect(capShift(work, proposals)).toBeCloseTo(0.4);
    let moved = 0;
    for (const p of proposals.values()) {
      expect(p).toMatchObject({ action: 'cut', deepenFrom: 0 });
      moved += 0.2 * (1 - p.control);
    }
    expect(moved).toBeCloseTo(0.4);
    // A trim that the cap scaled down is still a trim: it begins no episode of trouble.
    const withTrim = new Map<string, ControlResult>();
    for (const a of ['a', 'b']) withTrim.set(a, { control: 0.13, action: 'cut', deepenFrom: 1 });
    withTrim.set('c', { control: 0.13, action: 'cut', deepenFrom: 1, trimmed: true });
    capShift(work, withTrim);
    expect(withTrim.get('c')).toMatchObject({ action: 'cut', deepenFrom: 0, trimmed: true });
    expect(withTrim.get('a')!.trimmed).toBeUndefined();
  });
  it('counts what the round moved already: a deepening cannot exceed the cap, and a spent cap holds', () => {
    const work = ['a', 'b', 'c', 'd', 'e'].map((a) => toWorking(newMemory(a, 0, true, 0, 1), a));
    const deepen = new Map<string, ControlResult>([['a', { control: 0.13, action: 'cut', deepenFrom: 1 }]]);
    // One of five: the cap is 40% of the traffic; 30% moved already leaves 10%.
    expect(capShift(work, deepen, 0.3)).toBeCloseTo(0.1);
    expect(deepen.get('a')!.control).toBeCloseTo(0.5);
    const spent = new Map<string, ControlResult>([['a', { control: 0.13, action: 'cut', deepenFrom: 1 }]]);
    expect(capShift(work, spent, 0.4)).toBe(0);
    expect(spent.get('a')).toEqual({ control: 1, action: 'hold' });
  });
  it('holds the cuts when every endpoint that would take the load is degraded or, with CPU, 90% busy', () => {
    const at = (cpu: number) => ['a', 'b', 'c', 'd', 'e'].map((a) => ({ ...toWorking(newMemory(a, 0, true, 0, 1), a), signals: { cpu } }));
    const score = (cost: number): Score => ({ cost, ratio: cost / 150, failing: false, degraded: cost >= 300, customBreaches: [] });
    const scores = new Map(['a', 'b', 'c', 'd', 'e'].map((a) => [a, score(a === 'a' ? 1000 : 150)]));
    const cut = () => new Map<string, ControlResult>([['a', { control: 0.3, action: 'cut', deepenFrom: 1 }]]);
    // Receivers fast but at 95% CPU: no room to move anything to.
    const hot = cut();
    expect(limitShift(at(0.95), hot, scores, 150)).toBe(0);
    expect(hot.get('a')).toEqual({ control: 1, action: 'hold' });
    // At 85% they take it; without a CPU signal, their latency decides.
    for (const work of [at(0.85), ['a', 'b', 'c', 'd', 'e'].map((a) => toWorking(newMemory(a, 0, true, 0, 1), a))]) {
      const p = cut();
      expect(limitShift(work, p, scores, 150)).toBeCloseTo(0.2 * 0.7);
      expect(p.get('a')!.action).toBe('cut');
    }
    expect(limitShift(at(0), cut(), new Map([...scores].map(([a]) => [a, score(400)])), 150)).toBe(0);
  });
  it('with CPU, moves no more than the receivers can take at 90% busy', () => {
    // The loop benchmark's mass degradation: three slow backends (capacity 12 calls/s at 100%) being
    // cut, two healthy ones 60% busy (capacity 20); 60 calls/s in all. Room: 2 × 0.3 × 20 / 60.
    const work = ['a', 'b', 'c', 'd', 'e'].map((a, i) => ({
      ...toWorking(newMemory(a, 0, true, 0, 1), a),
      current: true,
      signals: i < 3 ? { cpu: 1, requestRate: 12, capacity: 12 } : { cpu: 0.6, requestRate: 12, capacity: 20 },
    }));
    const cuts = () => new Map<string, ControlResult>(['a', 'b', 'c'].map((a) => [a, { control: 0.3, action: 'cut', deepenFrom: 1 }]));
    expect(cpuRoom(work, cuts())).toBeCloseTo(0.2);
    const p = cuts();
    expect(capShift(work, p, 0, cpuRoom(work, p))).toBeCloseTo(0.2);
    let moved = 0;
    for (const c of p.values()) moved += 0.2 * (1 - c.control);
    expect(moved).toBeCloseTo(0.2);
    // What the round moved already counts; a receiver without an estimate leaves the cap at MAX_SHIFT.
    expect(capShift(work, cuts(), 0.15, 0.2)).toBeCloseTo(0.05);
    expect(cpuRoom(work.map((w, i) => (i === 4 ? { ...w, signals: { requestRate: 12 } } : w)), cuts())).toBeUndefined();
  });
  it('leaves a single cut that fits under the cap as it is', () => {
    const work = ['a', 'b', 'c', 'd', 'e'].map((a) => toWorking(newMemory(a, 0, true, 0, 1), a));
    const proposals = new Map<string, ControlResult>([['a', { control: 0.13, action: 'cut', deepenFrom: 1 }]]);
    capShift(work, proposals);
    expect(proposals.get('a')).toEqual({ control: 0.13, action: 'cut', deepenFrom: 1 });
  });
});

describe('ejection', () => {
  const p = policy({ errorThreshold: 0.1, maxEjection: 0.3 });
  it('caps the ejected share but lets one go when n ≥ 2, and never all', () => {
    expect(ejectionCap(1, 0.3)).toBe(0);
    expect(ejectionCap(2, 0.3)).toBe(1);
    expect(ejectionCap(5, 0.3)).toBe(1);
    expect(ejectionCap(10, 0.3)).toBe(3);
    expect(ejectionCap(5, 0)).toBe(0);
    expect(ejectionCap(4, 1)).toBe(3);
  });
  it('ejects the worst first and keeps already ejected ones in place', () => {
    const c = (address: string, errorRatio: number, ejected = false) => ({ address, ejected, ejectedAt: ejected ? 1000 : 0, ejections: ejected ? 1 : 0, errorRatio });
    const out = decideEjections([c('a', 0.3), c('b', 0.5), c('c', 0), c('d', 0), c('e', 0)], 5, p, 5000, true);
    expect([...out.ejected]).toEqual(['b']);
    const kept = decideEjections([c('a', 0.9), c('b', 0.5, true), c('c', 0), c('d', 0), c('e', 0)], 5, p, 5000, true);
    expect([...kept.ejected]).toEqual(['b']);
  });
  it('returns an endpoint after its ejection time once errors are under half the threshold, or unknown', () => {
    const e = { address: 'a', ejected: true, ejectedAt: 0, ejections: 1 };
    expect(decideEjections([{ ...e, errorRatio: 0.2 }, { ...e, address: 'b', ejected: false, errorRatio: 0 }], 2, p, 60_000, true).released).toEqual([]);
    expect(decideEjections([{ ...e, errorRatio: 0.04 }, { ...e, address: 'b', ejected: false, errorRatio: 0 }], 2, p, 5_000, true).released).toEqual([]);
    expect(decideEjections([{ ...e, errorRatio: 0.04 }, { ...e, address: 'b', ejected: false, errorRatio: 0 }], 2, p, 60_000, true).released).toEqual(['a']);
    expect(decideEjections([{ ...e, errorRatio: undefined }, { ...e, address: 'b', ejected: false, errorRatio: 0 }], 2, p, 60_000, true).released).toEqual(['a']);
    expect(ejectionTimeMs(2)).toBe(2 * ejectionTimeMs(1));
    // Capped short: a return goes through slow start from the floor, so a probe is cheap.
    expect(ejectionTimeMs(3)).toBe(ejectionTimeMs(2));
  });
  it('judges a return without a reading on the last one while it is under 10 s old, then lets it go', () => {
    const e = { address: 'a', ejected: true, ejectedAt: 0, ejections: 1, errorRatio: undefined };
    const peer = { address: 'b', ejected: false, ejectedAt: 0, ejections: 0, errorRatio: 0 };
    // The trickle's last call failed 2 s ago, and its window holds none now: it stays out.
    expect(heldErrorRatio(0.9, 58_000, 60_000)).toBe(0.9);
    expect(decideEjections([{ ...e, heldErrorRatio: heldErrorRatio(0.9, 58_000, 60_000) }, peer], 2, p, 60_000, true).released).toEqual([]);
    // Its last reading was fine: back.
    expect(decideEjections([{ ...e, heldErrorRatio: heldErrorRatio(0.01, 58_000, 60_000) }, peer], 2, p, 60_000, true).released).toEqual(['a']);
    // Nothing heard for 10 s (or never): missing data is not held against it.
    expect(heldErrorRatio(0.9, 50_000, 60_000)).toBeUndefined();
    expect(heldErrorRatio(0.9, 0, 60_000)).toBeUndefined();
    expect(decideEjections([{ ...e, heldErrorRatio: heldErrorRatio(0.9, 50_000, 60_000) }, peer], 2, p, 60_000, true).released).toEqual(['a']);
    // A held reading never ejects anyone new.
    expect(decideEjections([{ ...peer, address: 'c', errorRatio: undefined, heldErrorRatio: 0.9 }, peer], 2, p, 60_000, true).added).toEqual([]);
  });
  it('ejects nothing new on stale data', () => {
    const out = decideEjections([{ address: 'a', ejected: false, ejectedAt: 0, ejections: 0, errorRatio: 0.9 }, { address: 'b', ejected: false, ejectedAt: 0, ejections: 0, errorRatio: 0 }], 2, p, 0, false);
    expect(out.ejected.size).toBe(0);
  });
});

describe('panic', () => {
  const p = policy({ panicThreshold: 0.5 });
  const calm = { panic: false, panicSince: 0, cooldownUntil: 0, overSince: 0 };
  const count = (degraded: number, failing = 0, ready = 5) => ({ degraded, failing, ready });
  it('enters when three of five are slow for the confirmation time, not two', () => {
    expect(decidePanic(calm, count(2), p, 0).panic).toBe(false);
    const first = decidePanic(calm, count(3), p, 1000);
    expect(first.panic).toBe(false);
    expect(decidePanic(first, count(3), p, 1000 + PANIC_CONFIRM_MS - 1).panic).toBe(false);
    const at = 1000 + PANIC_CONFIRM_MS;
    expect(decidePanic(first, count(3), p, at)).toEqual({ panic: true, panicSince: at, cooldownUntil: 0, overSince: 0, change: 'enter' });
  });
  it('enters at once when three of five are failing', () => {
    expect(decidePanic(calm, count(3, 3), p, 0).change).toBe('enter');
  });
  it('lasts a minimum time, then exits once the degraded share is back under the threshold', () => {
    const inPanic = { panic: true, panicSince: 0, cooldownUntil: 0, overSince: 0 };
    expect(decidePanic(inPanic, count(0), p, 1000).panic).toBe(true);
    expect(decidePanic(inPanic, count(3), p, 20_000).panic).toBe(true);
    expect(decidePanic(inPanic, count(0), p, 20_000).change).toBe('exit');
  });
  it('ends a panic kept only by slowness after the maximum, and cools down before the next', () => {
    const inPanic = { panic: true, panicSince: 0, cooldownUntil: 0, overSince: 0 };
    const out = decidePanic(inPanic, count(3), p, PANIC_MAX_MS + 1000);
    expect(out.change).toBe('exit');
    expect(decidePanic(decidePanic(out, count(3), p, PANIC_MAX_MS + 2000), count(3), p, PANIC_MAX_MS + 10_000).panic).toBe(false);
    expect(decidePanic(out, count(3, 3), p, PANIC_MAX_MS + 2000).panic).toBe(true);
    expect(decidePanic(inPanic, count(3, 3), p, PANIC_MAX_MS + 1000).panic).toBe(true);
  });
  it('enters at once when a shift overwhelms its receivers and the slow endpoints it cut are over the threshold', () => {
    const urgent = (degraded: number, cutSlow: number, failing = 0) => ({ ...count(degraded, failing), cutSlow, overwhelmed: true });
    expect(decidePanic(calm, urgent(3, 3), p, 1000).change).toBe('enter');
    // One slow backend cut and busy receivers, or one failing and two slow: confirm first.
    expect(decidePanic(calm, urgent(4, 2), p, 1000).change).toBe('none');
    expect(decidePanic(calm, urgent(3, 2, 1), p, 1000).change).toBe('none');
    expect(decidePanic(calm, { ...count(3), cutSlow: 3, overwhelmed: false }, p, 1000).change).toBe('none');
  });
  it('enters at once when the slow endpoints it cut are still slow after their cuts showed, and the receivers are loaded', () => {
    const unrelieved = (n: number, loaded: boolean) => ({ ...count(3), cutSlow: 3, overwhelmed: false, unrelieved: n, receiversLoaded: loaded });
    expect(decidePanic(calm, unrelieved(3, true), p, 1000).change).toBe('enter');
    // Receivers with room may take another round; two of five unrelieved is not a mass degradation.
    expect(decidePanic(calm, unrelieved(3, false), p, 1000).change).toBe('none');
    expect(decidePanic(calm, unrelieved(2, true), p, 1000).change).toBe('none');
  });
  it('enters at once when the slow endpoints past their capacity (CPU) are over the threshold', () => {
    expect(decidePanic(calm, { ...count(3), saturated: 3 }, p, 1000).change).toBe('enter');
    // Two of five full and a third slow: confirm first; and never while cooling down.
    expect(decidePanic(calm, { ...count(3), saturated: 2 }, p, 1000).change).toBe('none');
    expect(decidePanic({ ...calm, cooldownUntil: 2000 }, { ...count(3), saturated: 3 }, p, 1000).change).toBe('none');
  });
  it('never panics a single endpoint', () => {
    expect(decidePanic(calm, count(1, 1, 1), p, 0).panic).toBe(false);
  });
});

describe('slow start', () => {
  const p = policy({ slowStartMs: 10_000, weightFloor: 0.02 });
  it('ramps linearly from the floor to fair over the window', () => {
    expect(slowStartCap(0, p)).toBe(0.02);
    expect(slowStartCap(5_000, p)).toBeCloseTo(0.5);
    expect(slowStartCap(10_000, p)).toBe(1);
    expect(slowStartCap(0, policy({ slowStartMs: 0 }))).toBe(1);
  });
});

describe('quantisation', () => {
  it('maps multipliers to integers in [1, 100]', () => {
    expect(toWeight(1)).toBe(FAIR_WEIGHT);
    expect(toWeight(0)).toBe(1);
    expect(toWeight(0.333)).toBe(33);
  });
  it('keeps the published weight for small moves and publishes exactly fair', () => {
    expect(quantise(0.52, 50)).toBe(50);
    expect(quantise(0.6, 50)).toBe(60);
    expect(quantise(0.99, 100)).toBe(100);
    expect(quantise(1, 97)).toBe(100);
  });
});

describe('noise', () => {
  it('measures how far readings stray, robust to one endpoint jumping', () => {
    expect(spreadOf([0.1, -0.1])).toBeUndefined();
    const calm = spreadOf([0.1, -0.1, 0.05, -0.05, 0.1])!;
    expect(calm).toBeCloseTo(1.4826 * 0.1);
    expect(spreadOf([0.1, -0.1, 0.05, -0.05, Math.log(5)])).toBeCloseTo(calm);
  });
  it('keeps typical standings in log terms and ignores unusable ones', () => {
    expect(nextTypicalRatio(0, 100, 1000)).toBe(100);
    expect(nextTypicalRatio(100, undefined, 1000)).toBe(100);
    expect(nextTypicalRatio(100, 400, NOISE_TYPICAL_HALF_LIFE_MS)).toBeCloseTo(200);
  });
  it('widens the band by e^(kσ), never narrows it, and caps it', () => {
    expect(noiseFactor(0)).toBe(1);
    expect(noiseFactor(0.01)).toBeCloseTo(Math.exp(NOISE_K * 0.1));
    expect(noiseFactor(100)).toBe(NOISE_MAX_FACTOR);
    expect(nextNoiseVar(0.04, undefined, 1000)).toBe(0.04);
    // A spread past the widest band's still reaches it (it counts as that band's spread).
    let v = 0;
    for (let t = 0; t < 300; t++) v = nextNoiseVar(v, 5, 1000);
    expect(noiseFactor(v)).toBeCloseTo(NOISE_MAX_FACTOR, 3);
  });

  /** Five endpoints read around 100 ms, each straying by ±`wander` (deterministically), for a minute; then c reads `worse`× for a tick. */
  function weightAfter(wander: number, worse: number): number {
    const addrs = addresses(5);
    const d = new Driver(topology(service('api', addrs.map((a) => endpoint(a)))));
    let now = 1_000_000;
    for (let t = 0; t < 60; t++) {
      now += 1000;
      const lat = addrs.map((_, i) => 100 * Math.exp(wander * Math.sin(1.7 * t + 2.3 * i)));
      d.tick(now, samples(now, { api: Object.fromEntries(addrs.map((a, i) => [a, { latencyMs: lat[i]!, errorRatio: 0 }])) }));
    }
    now += 1000;
    d.tick(now, samples(now, { api: Object.fromEntries(addrs.map((a) => [a, { latencyMs: a === addrs[2] ? 100 * worse : 100, errorRatio: 0 }])) }));
    return d.weight('api', addrs[2]!);
  }

  it('does not cut on a stray the peers show all the time, but still cuts a backend several times worse', () => {
    // Steady peers: the band is 1.4×, and a 2.5× reading is cut at once.
    expect(weightAfter(0, 2.5)).toBeLessThan(FAIR_WEIGHT);
    // Peers straying by up to ±30% all the time: the same reading is noise.
    expect(weightAfter(0.3, 2.5)).toBe(FAIR_WEIGHT);
    // A 5× backend stands out of any noise.
    expect(weightAfter(0.3, 5)).toBeLessThan(FAIR_WEIGHT / 2);
  });

  it('forgets a cold start\'s turmoil as soon as any other widest band: a backend 2.2× slower 40 s later is cut', () => {
    // Ten seconds where every endpoint reads up to e^2 (7×) its calm latency at random (a
    // cold start's queues), then 40 s of calm, then c reads 2.2× the others.
    const addrs = addresses(5);
    const d = new Driver(topology(service('api', addrs.map((a) => endpoint(a)))));
    let now = 1_000_000;
    const tick = (lat: (i: number) => number): void => {
      now += 1000;
      d.tick(now, samples(now, { api: Object.fromEntries(addrs.map((a, i) => [a, { latencyMs: lat(i), errorRatio: 0 }])) }));
    };
    for (let t = 0; t < 10; t++) tick((i) => 100 * Math.exp(2 * Math.abs(Math.sin(1.7 * t + 2.3 * i))));
    for (let t = 0; t < 40; t++) tick(() => 100);
    expect(d.weight('api', addrs[2]!)).toBe(FAIR_WEIGHT);
    const reasons: string[] = [];
    for (let t = 0; t < 5; t++) {
      tick((i) => (i === 2 ? 220 : 100));
      reasons.push(d.last!.services.get(sid('api'))!.endpoints.find((e) => e.address === addrs[2])!.reason);
    }
    // Each tick of the turmoil counted as the widest band's spread (no more), and is
    // forgotten as fast: 40 s later the band is under 2.2×, and c is cut (in five ticks its
    // typical standing is too low for a trim). Taken whole, that turmoil held the band at
    // 2.52× for minutes.
    expect(d.weight('api', addrs[2]!)).toBeLessThan(FAIR_WEIGHT * 0.8);
    expect(reasons.join('\n')).toMatch(/cutting/);
  });

  it('trims an endpoint that stays 1.9× slower among wandering peers, and still cuts it in full when it turns 8× slower', () => {
    const addrs = addresses(5);
    const d = new Driver(topology(service('api', addrs.map((a) => endpoint(a)))));
    let now = 1_000_000;
    const tick = (t: number, third: number): void => {
      now += 1000;
      const lat = addrs.map((a, i) => (a === addrs[2] ? third : 100 * Math.exp(0.3 * Math.sin(1.7 * t + 2.3 * i))));
      d.tick(now, samples(now, { api: Object.fromEntries(addrs.map((a, i) => [a, { latencyMs: lat[i]!, errorRatio: 0 }])) }));
    };
    for (let t = 0; t < 40; t++) tick(t, 100);
    const weights: number[] = [];
    for (let t = 40; t < 60; t++) {
      tick(t, 190);
      weights.push(d.weight('api', addrs[2]!));
    }
    // The band is widened past 1.9× by the peers' noise, yet the standing persists: trimmed,
    // a little, with a reason that says so.
    expect(Math.max(...weights)).toBe(FAIR_WEIGHT);
    const trimmed = Math.min(...weights);
    expect(trimmed).toBeLessThan(FAIR_WEIGHT);
    expect(trimmed).toBeGreaterThan(FAIR_WEIGHT * 0.8);
    const ep = d.last!.services.get(sid('api'))!.endpoints.find((e) => e.address === addrs[2])!;
    expect(ep.reason).toMatch(/trimming/);
    // The limit the trim used: the band widened by what the peers' noise means for a mean.
    expect(ep.reason).toMatch(/over 1\.[5-9]× for that long/);
    // Inside the band for a while (neither trimmed nor restored), then real trouble: a full
    // cut, not a probe's gentle step (×0.7) as if the trim had been an episode of trouble.
    for (let t = 60; t < 70; t++) tick(t, 120);
    const before = d.weight('api', addrs[2]!);
    expect(before).toBe(trimmed);
    tick(70, 800);
    tick(71, 800);
    expect(d.weight('api', addrs[2]!)).toBeLessThan(before * 0.4);
  });
});

describe('receivers\' headroom', () => {
  const addrs = addresses(5);
  /**
   * Ten seconds with every endpoint at 100 ms (the baseline), then six with the others at
   * `othersMs` (and the first failing, so ejected, when `shift`), then `seconds` with the
   * third at `thirdMs`: the third's weight.
   */
  function thirdAfter(othersMs: number, thirdMs: number, shift = true, seconds = 4): number {
    const d = new Driver(topology(service('api', addrs.map((a) => endpoint(a)))));
    let now = 1_000_000;
    const tick = (third: number, others: number, failing: boolean): void => {
      now += 1000;
      const all = Object.fromEntries(
        addrs.map((a) => [a, { latencyMs: a === addrs[2] ? third : others, errorRatio: failing && a === addrs[0] ? 1 : 0, requestRate: 12 }]),
      );
      d.tick(now, samples(now, { api: all }));
    };
    for (let t = 0; t < 10; t++) tick(100, 100, false);
    for (let t = 0; t < 6; t++) tick(othersMs, othersMs, shift);
    for (let t = 0; t < seconds; t++) tick(thirdMs, othersMs, shift);
    return d.weight('api', addrs[2]!);
  }

  it('measures the median standing of the endpoints that are not cut', () => {
    const work = addrs.map((a) => toWorking(newMemory(a, 0, true, 0, 1), a));
    for (const w of work) w.current = true;
    work[0]!.control = 0.5;
    const scores = new Map(addrs.map((a, i) => [a, { cost: [900, 100, 150, 200, 400][i]!, ratio: 1, failing: false, degraded: false, customBreaches: [] }]));
    // The cut endpoint (900 ms) is not a receiver; of 100, 150, 200 and 400 the lower median.
    expect(receiversStanding(work, scores, 100)).toBe(1.5);
    expect(receiversStanding(work, scores, 0)).toBe(0);
  });

  it('does not cut a full-share endpoint for a moderate excess while a shift has loaded the others', () => {
    // One endpoint ejected, the others at 1.6× the baseline: a reading 2× theirs is held.
    expect(thirdAfter(160, 320)).toBe(FAIR_WEIGHT);
    // The others at the baseline: the same 2× excess is cut.
    expect(thirdAfter(100, 200)).toBeLessThan(FAIR_WEIGHT);
    // No shift in place (nobody ejected or cut): the first cut keeps the usual band.
    expect(thirdAfter(160, 320, false)).toBeLessThan(FAIR_WEIGHT);
    // Loaded or not, a backend many times worse is cut.
    expect(thirdAfter(160, 1000)).toBeLessThan(FAIR_WEIGHT / 2);
  });
});

describe('baseline', () => {
  it('starts from the first trusted reference and holds without one', () => {
    expect(nextBaseline(0, 150, 1000, false)).toBe(0);
    expect(nextBaseline(0, 150, 1000, true)).toBe(150);
    expect(nextBaseline(150, 40, 1000, false)).toBe(150);
  });
  it('falls quickly but not at once, and rises slowly', () => {
    // One low reading moves it a little; a low reference that lasts takes it down.
    const once = nextBaseline(160, 60, 1000, true);
    expect(once).toBeGreaterThan(140);
    let b = 160;
    for (let t = 0; t < 20; t++) b = nextBaseline(b, 60, 1000, true);
    expect(b).toBeLessThan(70);
    // A shift that doubles the reference for 10 s moves the baseline by about a tenth.
    let up = 100;
    for (let t = 0; t < 10; t++) up = nextBaseline(up, 200, 1000, true);
    expect(up).toBeGreaterThan(105);
    expect(up).toBeLessThan(115);
  });
});

