/**
 * The invariants of DESIGN.md ("The weights") for arbitrary inputs: random policies,
 * random histories of samples (missing, NaN, failed fetches, uneven tick intervals),
 * then one more tick under test.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INITIAL_ENGINE_STATE, runEngine, type EngineOutput, type EngineState } from '../../../src/feedback/index.js';
import { maxCut } from '../../../src/feedback/control.js';
import { ejectionCap } from '../../../src/feedback/ejection.js';
import { QUANTISE_HYSTERESIS } from '../../../src/feedback/tuning.js';
import { MAX_WEIGHT_SUM, POLICY_BOUNDS, type EndpointSample, type ServicePolicy } from '../../../src/model/index.js';
import { addresses, endpoint, NO_CUSTOM, policy, service, sid, topology } from './fixtures.js';

const RUNS = Number(process.env.WEIR_PROP_RUNS ?? 100);

const sampleArb: fc.Arbitrary<EndpointSample | undefined> = fc.option(
  fc.record(
    {
      latencyMs: fc.oneof(fc.double({ min: 0.1, max: 10_000, noNaN: true }), fc.constant(Number.NaN)),
      errorRatio: fc.double({ min: 0, max: 1, noNaN: true }),
      requestRate: fc.double({ min: 0, max: 1000, noNaN: true }),
      cpu: fc.double({ min: 0, max: 1, noNaN: true }),
    },
    { requiredKeys: [] },
  ),
  { freq: 6, nil: undefined },
);

const bound = (k: keyof typeof POLICY_BOUNDS) => fc.double({ min: POLICY_BOUNDS[k].min, max: POLICY_BOUNDS[k].max, noNaN: true });

const policyArb: fc.Arbitrary<Partial<ServicePolicy>> = fc.record({
  mode: fc.constantFrom('enforce' as const, 'shadow' as const),
  latencyTargetMs: fc.double({ min: 1, max: 1000, noNaN: true }),
  errorThreshold: bound('errorThreshold'),
  halfLifeMs: fc.double({ min: 100, max: 10_000, noNaN: true }),
  weightFloor: fc.double({ min: POLICY_BOUNDS.weightFloor.min, max: 0.5, noNaN: true }),
  maxStep: bound('maxStep'),
  panicThreshold: bound('panicThreshold'),
  maxEjection: bound('maxEjection'),
  slowStartMs: fc.integer({ min: 0, max: 20_000 }),
});

interface Tick {
  readonly dt: number;
  readonly failed: boolean;
  readonly samples: (EndpointSample | undefined)[];
}

const scenarioArb = fc.integer({ min: 1, max: 7 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    policy: policyArb,
    history: fc.array(
      fc.record({ dt: fc.integer({ min: 100, max: 4000 }), failed: fc.integer({ min: 0, max: 7 }).map((x) => x === 0), samples: fc.array(sampleArb, { minLength: n, maxLength: n }) }),
      { minLength: 0, maxLength: 12 },
    ),
    final: fc.record({ dt: fc.integer({ min: 100, max: 4000 }), failed: fc.constant(false), samples: fc.array(sampleArb, { minLength: n, maxLength: n }) }),
  }),
);

type Scenario = { n: number; policy: Partial<ServicePolicy>; history: Tick[]; final: Tick };

function setup(sc: Scenario) {
  const addrs = addresses(sc.n);
  const topo = topology(service('api', addrs.map((a) => endpoint(a)), sc.policy));
  const tickInput = (state: EngineState, now: number, t: Tick) => ({
    topology: topo,
    samples: {
      at: now,
      services: new Map([[sid('api'), new Map(addrs.flatMap((a, i) => (t.samples[i] ? [[a, t.samples[i]!] as const] : [])))]]),
      failed: new Set(t.failed ? [sid('api')] : []),
    },
    state,
    now,
    customSignals: NO_CUSTOM,
  });
  let state = INITIAL_ENGINE_STATE;
  let now = 1_000_000;
  let last: EngineOutput | undefined;
  for (const t of sc.history) {
    now += t.dt;
    last = runEngine(tickInput(state, now, t));
    state = last.state;
  }
  now += sc.final.dt;
  return { addrs, state, now, previous: last, input: (t: Tick) => tickInput(state, now, t), policy: policy(sc.policy) };
}

const weights = (out: EngineOutput) => out.services.get(sid('api'))!.endpoints;

/**
 * Counterexamples fast-check once found, kept as fixed examples. A deep cut that landed
 * over two ticks went on landing on a tick without a sample; a judged endpoint that was
 * the only one with a latency set the neutral latency of the others, so its own slower
 * reading raised the reference and its weight.
 */
const MISSING_SAMPLE_EXAMPLE: [Scenario, number] = [
  {
    n: 4,
    policy: { mode: 'enforce', latencyTargetMs: 1, errorThreshold: 0.001, halfLifeMs: 100, weightFloor: 0.01, maxStep: 0.05, panicThreshold: 0.05, maxEjection: 0, slowStartMs: 0 },
    history: [
      { dt: 100, failed: false, samples: [{ latencyMs: 284.9764657626831 }, undefined, undefined, undefined] },
      { dt: 100, failed: false, samples: [{ requestRate: 0 }, { latencyMs: 398.9670520677567 }, undefined, undefined] },
      { dt: 100, failed: false, samples: [undefined, { requestRate: 0 }, { latencyMs: 0.1 }, undefined] },
    ],
    final: { dt: 100, failed: false, samples: [undefined, undefined, undefined, undefined] },
  },
  1,
];
const OWN_NEUTRAL_EXAMPLE: [Scenario, number, number, number] = [
  {
    n: 3,
    policy: { mode: 'enforce', latencyTargetMs: 3.6055659945534084, errorThreshold: 0.9067177730678878, halfLifeMs: 7756.291705951497, weightFloor: 0.01, maxStep: 0.05, panicThreshold: 0.05, maxEjection: 0, slowStartMs: 0 },
    history: [
      { dt: 100, failed: false, samples: [{ errorRatio: 3.0849025232402348e-12 }, { latencyMs: 13.143208639087527 }, undefined] },
      { dt: 432, failed: false, samples: [{ errorRatio: 0 }, undefined, { errorRatio: 0 }] },
      { dt: 3379, failed: true, samples: [undefined, { latencyMs: 6778.383646855039 }, { requestRate: 0 }] },
    ],
    final: { dt: 3257, failed: false, samples: [{ errorRatio: 0.9999999999999993 }, undefined, { requestRate: 0 }] },
  },
  0,
  2,
  0,
];

describe('engine invariants (property)', () => {
  it('gives every ready endpoint an integer weight ≥ 1 with a sum within 2^32−1, and ejects at most the cap', () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const s = setup(sc);
        const out = runEngine(s.input(sc.final));
        const row = out.table.get(sid('api'))!;
        expect([...row.keys()]).toEqual(s.addrs);
        let sum = 0;
        for (const w of row.values()) {
          expect(Number.isInteger(w) && w >= 1).toBe(true);
          sum += w;
        }
        expect(sum).toBeLessThanOrEqual(MAX_WEIGHT_SUM);
        const ejected = weights(out).filter((e) => e.state === 'ejected').length;
        expect(ejected).toBeLessThanOrEqual(ejectionCap(sc.n, s.policy.maxEjection));
      }),
      { numRuns: RUNS },
    );
  });

  it('gives identical outputs for identical inputs', () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const s = setup(sc);
        expect(runEngine(s.input(sc.final))).toEqual(runEngine(s.input(sc.final)));
      }),
      { numRuns: RUNS / 2 },
    );
  });

  it('serves equal weights in shadow mode, and in panic without a CPU signal', () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const s = setup(sc);
        const out = runEngine(s.input(sc.final));
        const report = out.services.get(sid('api'))!;
        const served = [...out.table.get(sid('api'))!.values()];
        // With a CPU signal a panic's weights follow the capacities (concepts.test.ts).
        const noCpu = sc.final.samples.every((x) => x?.cpu === undefined);
        if (report.mode === 'shadow' || (report.panic && noCpu)) expect(new Set(served).size).toBeLessThanOrEqual(1);
        if (report.panic && noCpu) expect(new Set(report.endpoints.map((e) => e.weight)).size).toBe(1);
      }),
      { numRuns: RUNS },
    );
  });

  it('never gives a higher weight for a worse signal, CPU included (outside panic)', () => {
    fc.assert(
      fc.property(
        scenarioArb,
        fc.nat(),
        fc.double({ min: 1, max: 20, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (sc, pick, slower, moreErrors) => {
          const s = setup(sc);
          const i = pick % sc.n;
          const base = sc.final.samples[i] ?? { latencyMs: 30, errorRatio: 0 };
          const better = { ...base, latencyMs: Number.isFinite(base.latencyMs ?? NaN) ? base.latencyMs : 30, errorRatio: base.errorRatio ?? 0 };
          const worse = {
            ...better,
            latencyMs: better.latencyMs! * slower,
            errorRatio: better.errorRatio! + (1 - better.errorRatio!) * moreErrors,
            ...(better.cpu !== undefined ? { cpu: better.cpu + (1 - better.cpu) * moreErrors } : {}),
          };
          const a = runEngine(s.input({ ...sc.final, samples: sc.final.samples.map((x, j) => (j === i ? better : x)) }));
          const b = runEngine(s.input({ ...sc.final, samples: sc.final.samples.map((x, j) => (j === i ? worse : x)) }));
          if (a.services.get(sid('api'))!.panic || b.services.get(sid('api'))!.panic) return;
          expect(weights(b)[i]!.weight).toBeLessThanOrEqual(weights(a)[i]!.weight);
        },
      ),
      { numRuns: RUNS, examples: [OWN_NEUTRAL_EXAMPLE] },
    );
  });

  it('never lowers a weight for a missing sample', () => {
    fc.assert(
      fc.property(scenarioArb, fc.nat(), (sc, pick) => {
        const s = setup(sc);
        if (s.previous === undefined) return;
        const i = pick % sc.n;
        const before = weights(s.previous)[i]!;
        const out = runEngine(s.input({ ...sc.final, samples: sc.final.samples.map((x, j) => (j === i ? undefined : x)) }));
        const after = weights(out)[i]!;
        if (out.services.get(sid('api'))!.panic !== s.previous.services.get(sid('api'))!.panic) return;
        if (before.state === 'ejected') return; // returning from ejection is a rise, never a cut
        expect(after.weight).toBeGreaterThanOrEqual(before.weight);
      }),
      { numRuns: RUNS, examples: [MISSING_SAMPLE_EXAMPLE] },
    );
  });

  it('bounds every step: rises by at most maxStep, cuts by at most the cut limit (plus quantisation)', () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const s = setup(sc);
        if (s.previous === undefined) return;
        const out = runEngine(s.input(sc.final));
        if (out.services.get(sid('api'))!.panic !== s.previous.services.get(sid('api'))!.panic) return;
        const hyst = Math.min(QUANTISE_HYSTERESIS, s.policy.maxStep / 2);
        weights(out).forEach((after, i) => {
          const before = weights(s.previous!)[i]!;
          if (before.state === 'ejected' || after.state === 'ejected') return; // ejection acts at once by design
          expect(after.weight).toBeLessThanOrEqual(Math.ceil(before.weight * (1 + s.policy.maxStep) * (1 + hyst)) + 1);
          expect(after.weight).toBeGreaterThanOrEqual(Math.floor((before.weight * maxCut(s.policy, 1)) / (1 + hyst)) - 1);
        });
      }),
      { numRuns: RUNS },
    );
  });
});
