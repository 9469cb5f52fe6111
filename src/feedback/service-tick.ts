/**
 * One service's tick: smooth, score, eject, panic, control, slow start, step limit,
 * quantise, explain. Called by the engine for each service in sorted order.
 */
import type {
  CustomSignalSpec,
  Decision,
  DecisionKind,
  EndpointSample,
  EndpointState,
  EndpointWeight,
  Service,
  ServiceWeights,
} from '../model/index.js';
import { controlStep, driftStep, maxCut, maxIncrease, stepFraction, trimLimit, type ControlAction, type ControlResult } from './control.js';
import { decideEjections, ejectionTimeMs, heldErrorRatio, type EjectionCandidate } from './ejection.js';
import { nextBaseline } from './baseline.js';
import { receiversLoaded, receiversOverwhelmed, receiversStanding } from './headroom.js';
import { deepBacklog, drainsNow, holdsUnanswered, queueGone, withInflightLatency } from './inflight.js';
import { queueSplit } from './queue-split.js';
import { decidePanic, type PanicState } from './panic.js';
import { EJECTED_MULTIPLIER, FAIR_WEIGHT, quantise } from './quantise.js';
import * as why from './reasons.js';
import { byAddress, isSorted, newMemory, readRow, rowFinder, toColumns, toWorking, type Working } from './memory.js';
import { nextNoiseVar, nextTypicalRatio, noiseFactor, spreadOf } from './noise.js';
import { scoreService } from './scoring.js';
import { limitShift } from './shift.js';
import { inSlowStart, slowStartCap } from './slow-start.js';
import { hasData, smoothSample, usable, withoutErrors } from './smoothing.js';
import { capacityCeilings, servedRate } from './utilisation.js';
import type { Freshness, ServiceMemory } from './state.js';
import {
  CUT_BAND,
  CUT_HOLD_MS,
  DEGRADED_RATIO,
  HOT_UTILISATION,
  PANIC_DRAIN,
  EJECTION_FORGET_MS,
  DEEPEN_MS, LOADED_BAND_FACTOR, UNRELIEVED_FRACTION, RESTORE_BAND, PROVEN_AFTER_MS, QUANTISE_HYSTERESIS, STALE_AFTER_MS, STALE_HOLD_HALF_LIVES, STALE_HOLD_MS } from './tuning.js';

export interface ServiceTickInput {
  readonly service: Service;
  readonly id: string;
  readonly previous: ServiceMemory | undefined;
  /** This service's samples, undefined when its fetch failed or none ran. */
  readonly samples: ReadonlyMap<string, EndpointSample> | undefined;
  /** `Samples.at`, 0 without samples. */
  readonly sampleAt: number;
  readonly now: number;
  readonly specs: readonly CustomSignalSpec[];
}

export interface ServiceTickOutput {
  readonly memory: ServiceMemory;
  readonly report: ServiceWeights;
  /** address → weight to serve, for the ready endpoints. */
  readonly row: ReadonlyMap<string, number>;
  readonly decisions: readonly Decision[];
}

/** How long data may be missing before weights drift back to equal, in ms. */
export function staleHoldMs(halfLifeMs: number): number {
  return Math.max(STALE_HOLD_MS, STALE_HOLD_HALF_LIVES * halfLifeMs);
}

function freshnessOf(ageMs: number, holdMs: number): Freshness {
  if (ageMs <= STALE_AFTER_MS) return 'fresh';
  return ageMs <= holdMs ? 'stale' : 'reset';
}

/** Mutable working copy of an endpoint's memory during the tick. */

export function tickService(input: ServiceTickInput): ServiceTickOutput {
  const { service, id, previous, now, specs } = input;
  const policy = service.policy;
  const decisions: Decision[] = [];
  // ms since the service's last tick (0 at its first): steps and smoothing scale with it.
  const sinceTickMs = previous === undefined ? 0 : now - previous.lastTickAt;
  const fraction = stepFraction(sinceTickMs);
  const holdMs = staleHoldMs(policy.halfLifeMs);

  // 1. Memory and smoothing, for every endpoint of the topology (sorted by address).
  const endpoints = isSorted(service.endpoints) ? service.endpoints : [...service.endpoints].sort(byAddress);
  const rows: Working[] = [];
  const work: Working[] = [];
  const rowOf = rowFinder(previous?.endpoints.address ?? []);
  let anyCurrent = false;
  let lastAddress: string | undefined;
  // Whether each endpoint of `work` had its error ratio measured this tick. Ejection
  // judges only these; a return also the last reading while it is recent (ejection.ts
  // heldErrorRatio): an ejected endpoint sees so little traffic that its error ratio is
  // often NaN, and the smoothed value of long before must not keep it ejected (nor eject
  // anyone).
  const errorsMeasured: boolean[] = [];
  // Each endpoint of `work`'s raw sample this tick (the panic's queue tests read it again).
  const raws: (EndpointSample | undefined)[] = [];
  // The endpoints whose calls in flight stood in for their latency this tick (for reasons);
  // created on the first, as most ticks have none.
  let held: Map<string, why.HeldCalls> | undefined;
  for (const ep of endpoints) {
    // Addresses are unique by contract; a duplicate is ignored rather than counted twice.
    if (ep.address === lastAddress) continue;
    lastAddress = ep.address;
    const at = rowOf(ep.address);
    if (!ep.ready) {
      rows.push(at >= 0 ? readRow(previous!.endpoints, at, false) : toWorking(newMemory(ep.address, now, false, 0, policy.weightFloor), ep.address, false));
      continue;
    }
    // New endpoints of a known service, and endpoints ready again, ramp up (slow start);
    // at a service's first tick nothing is new.
    const known = at >= 0;
    const starts = previous !== undefined && policy.slowStartMs > 0 && (!known || !previous.endpoints.ready[at]);
    const w = known ? readRow(previous!.endpoints, at) : toWorking(newMemory(ep.address, now, true, starts ? now : 0, starts ? policy.weightFloor : 1), ep.address);
    if (starts && known) {
      w.slowStartAt = now;
      w.control = 1;
    }
    const raw = input.samples?.get(ep.address);
    // Nothing answered is stuck from the second sample that shows it (inflight.ts).
    const unanswered = raw !== undefined && holdsUnanswered(raw);
    const confirmed = unanswered && w.unansweredAt > 0 && input.sampleAt > w.unansweredAt;
    if (raw !== undefined) w.unansweredAt = unanswered ? w.unansweredAt || input.sampleAt : 0;
    const sample = raw === undefined ? undefined : withInflightLatency(raw, policy.latencyTargetMs, previous?.baselineMs ?? 0, unanswered && !confirmed);
    if (sample !== raw && raw !== undefined) (held ??= new Map()).set(ep.address, { inflight: raw.inflight ?? 0, answered: raw.requestRate ?? 0 });
    let measured = false;
    if (sample !== undefined && hasData(sample, specs)) {
      const sinceSample = input.sampleAt - w.sampleAt;
      const latencyGapMs = w.latencyAt > 0 ? input.sampleAt - w.latencyAt : sinceSample;
      const errorGapMs = w.errorsAt > 0 ? input.sampleAt - w.errorsAt : sinceSample;
      w.signals = smoothSample(w.signals, sample, sinceSample, policy.halfLifeMs, specs, latencyGapMs, errorGapMs);
      w.sampleAt = Math.max(w.sampleAt, input.sampleAt);
      if (usable(sample.latencyMs)) {
        w.latencyAt = Math.max(w.latencyAt, input.sampleAt);
        if (w.firstLatencyAt === 0) w.firstLatencyAt = now;
      }
      if (usable(sample.errorRatio)) w.errorsAt = Math.max(w.errorsAt, input.sampleAt);
      w.lastDataAt = now;
      w.current = true;
      anyCurrent = true;
      measured = Number.isFinite(sample.errorRatio) && sample.errorRatio! >= 0;
    }
    if (starts) {
      decisions.push({
        serviceId: id,
        kind: 'slow-start',
        endpoint: ep.address,
        reason: why.slowStartReason(known ? 'ready' : 'new', 0, policy),
      });
    }
    rows.push(w);
    work.push(w);
    errorsMeasured.push(measured);
    raws.push(raw);
  }

  // 2. Freshness of the service's data.
  const createdAt = previous?.createdAt ?? now;
  const lastFreshAt = anyCurrent ? now : (previous?.lastFreshAt ?? 0);
  const ageMs = now - Math.max(lastFreshAt, createdAt);
  const freshness = freshnessOf(ageMs, holdMs);
  const hadData = lastFreshAt > 0;
  if (hadData && freshness !== (previous?.freshness ?? 'fresh')) {
    if (freshness === 'stale') decisions.push({ serviceId: id, kind: 'stale', reason: why.staleReason(ageMs) });
    if (freshness === 'reset') decisions.push({ serviceId: id, kind: 'stale-reset', reason: why.staleResetReason(ageMs) });
  }

  // 3. Scores against the peers, and the service's noise. The noise that widens the cut
  // band is the one known before this tick: an endpoint's own reading never widens its
  // own band (a worse reading must never be judged more leniently).
  const { referenceMs, scores } = scoreService(work, policy, specs);
  const noiseVar = previous?.noiseVar ?? 0;
  const noise = noiseFactor(noiseVar);
  const strays: number[] = [];
  for (const w of work) {
    const sc = w.current && !w.ejected ? scores.get(w.address) : undefined;
    // The episode's peak is of the cost itself, not of the standing: loaded receivers raise
    // the reference, and a cut endpoint's standing falls with it while nothing got better.
    if (sc?.cost !== undefined && w.episodeAt > 0 && w.control < 1) w.episodePeak = Math.max(w.episodePeak, sc.cost);
    const ratio = sc?.ratio;
    if (ratio === undefined) continue;
    if (w.typicalRatio > 0 && ratio > 0) strays.push(Math.log(ratio / w.typicalRatio));
    w.typicalRatio = nextTypicalRatio(w.typicalRatio, ratio, sinceTickMs);
  }
  const nextNoise = freshness === 'fresh' ? nextNoiseVar(noiseVar, spreadOf(strays), sinceTickMs) : noiseVar;

  // 4. Ejections (none on stale data; all lifted once the data is too old).
  const candidates: EjectionCandidate[] = [];
  for (let k = 0; k < work.length; k++) {
    const w = work[k]!;
    const errorRatio = errorsMeasured[k] ? w.signals.errorRatio : undefined;
    if (w.ejected) {
      const held = errorRatio === undefined ? heldErrorRatio(w.signals.errorRatio, w.errorsAt, input.sampleAt || now) : undefined;
      candidates.push({ address: w.address, ejected: freshness !== 'reset', ejectedAt: w.ejectedAt, ejections: w.ejections, errorRatio, heldErrorRatio: held });
    } else if (errorRatio !== undefined && errorRatio > policy.errorThreshold) {
      candidates.push({ address: w.address, ejected: false, ejectedAt: w.ejectedAt, ejections: w.ejections, errorRatio });
    }
  }
  const outcome = decideEjections(candidates, work.length, policy, now, freshness === 'fresh');
  const added = new Set(outcome.added);
  const released = new Set(outcome.released);
  for (const w of work) if (w.ejected && freshness === 'reset') released.add(w.address);

  // Panic counts (see panic.ts for why slowness needs a confirmed cut), against the
  // baseline (baseline.ts); until there is one, against this tick's reference.
  let costed = 0;
  for (const w of work) if (!w.ejected && scores.get(w.address)?.cost !== undefined) costed++;
  const storedBaselineMs = nextBaseline(previous?.baselineMs ?? 0, referenceMs, sinceTickMs, freshness === 'fresh' && 2 * costed >= work.length);
  const baselineMs = storedBaselineMs || referenceMs;
  // Slowness counts toward panic (DEGRADED_RATIO × the baseline) only once a shift has
  // been tried and had the time to show (or while already in panic). Then the two cases
  // that look alike under equal weights part: with heterogeneous capacities the shift
  // relieves the slow endpoints and the others take it; in a mass degradation the slow
  // ones stay slow and the others become slow too, so most of the service is degraded.
  // A shift whose receivers are degraded themselves (headroom.ts) has shown at once that
  // it does not work: slowness counts, and a panic on it needs no confirmation.
  // The receivers' standing at the end of the last tick (headroom.ts).
  const standingBefore = previous?.receiversStanding ?? 0;
  const loaded = receiversLoaded(standingBefore);
  let cutInPlace = false;
  let cutShown = false;
  for (const w of work) {
    if (w.control >= 1 || w.episodeAt === 0) continue;
    cutInPlace = true;
    if (cutHasShown(w, now)) cutShown = true;
  }
  const overwhelmed = cutInPlace && receiversOverwhelmed(standingBefore);
  const shiftTried = overwhelmed || cutShown;
  const inPanic = previous?.panic ?? false;
  let failingCount = 0;
  let cutSlow = 0;
  let unrelieved = 0;
  // With a CPU signal, each endpoint's capacity share (utilisation.ts; empty without one).
  const { ceilings, largest: largestCapacity, split: capacitySplit } = capacityCeilings(work);
  // With capacities known, a slow endpoint at HOT_UTILISATION or more is past its
  // capacity: it counts toward panic at once, and a panic on such needs no confirmation
  // (panic.ts), for the panic's capacity split is the answer whether it broke or is only
  // small.
  let saturated = 0;
  const degraded = work.filter((w) => {
    const sc = scores.get(w.address);
    if (sc === undefined || sc.cost === undefined) return false;
    if (sc.failing || sc.customBreaches.length > 0) {
      failingCount++;
      return true;
    }
    if (sc.cost < DEGRADED_RATIO * baselineMs) return false;
    const full = capacitySplit.length > 0 && (w.signals.cpu ?? 0) >= HOT_UTILISATION;
    if (full) saturated++;
    if (w.control < 1) {
      cutSlow++;
      // Unrelieved: the cut has had its hold to show, and the reading is still near the
      // episode's peak. A relieved endpoint's windows still show the load of before the
      // cut for a few seconds, but falling from the peak.
      if (cutHasShown(w, now) && sc.cost >= UNRELIEVED_FRACTION * w.episodePeak) unrelieved++;
    }
    return inPanic || shiftTried || full;
  }).length;

  // 5. Panic, judged on fresh data only; stale data keeps it, too old data ends it.
  const wasPanic = inPanic;
  let panicState: PanicState = {
    panic: inPanic,
    panicSince: previous?.panicSince ?? 0,
    cooldownUntil: previous?.cooldownUntil ?? 0,
    overSince: previous?.overSince ?? 0,
  };
  if (freshness === 'fresh') {
    panicState = decidePanic(panicState, { degraded, failing: failingCount, ready: work.length, cutSlow, overwhelmed, unrelieved, receiversLoaded: loaded, saturated }, policy, now);
  } else if (freshness === 'reset' && panicState.panic) {
    panicState = { panic: false, panicSince: 0, cooldownUntil: 0, overSince: 0 };
  }
  const { panic, panicSince, cooldownUntil, overSince } = panicState;
  // In panic, equal weights; with a CPU signal, each endpoint equally busy (utilisation.ts);
  // without one, an endpoint that queues gets what it answers (queue-split.ts).
  const byCapacity = capacitySplit.length > 0;
  const panicAt = !panic ? [] : byCapacity ? capacitySplit : queueSplit(work.map((w, k) => {
    const cost = scores.get(w.address)?.cost;
    return {
      answered: w.signals.requestRate === undefined ? undefined : servedRate(w.signals.requestRate, w.signals.errorRatio),
      counts: w.current && !w.ejected,
      slow: cost !== undefined && cost >= DEGRADED_RATIO * baselineMs,
      queueing: queueingNow(raws[k], policy.latencyTargetMs),
      limited: wasPanic && w.effective < 1,
    };
  }));
  if (panic && !wasPanic) decisions.push({ serviceId: id, kind: 'panic-enter', reason: why.panicEnterReason(degraded, work.length, policy, byCapacity) });
  if (!panic && wasPanic) decisions.push({ serviceId: id, kind: 'panic-exit', reason: why.panicExitReason(degraded, work.length, policy) });

  // A panic's end hands the controller the split the panic served, as a controller
  // switched back to automatic starts from the output in place (bumpless transfer): the
  // signals move the weights on from there. Restarted from equal weights, the endpoints
  // the split had limited to their capacity were sent their fair share again, and small
  // ones queued, were cut, pushed the others past theirs and the panic came back (a
  // heterogeneous service at 80% load in simulation: a panic every 20 s, the queues
  // growing). Equal weights served (no split) leave the controller at equal weights.
  if (wasPanic && !panic) for (const w of work) if (!w.ejected) w.control = Math.min(1, Math.max(policy.weightFloor, w.effective));

  // 6. The controller's proposals, with the shift of the whole service capped.
  const proposals = new Map<string, ControlResult>();
  let roundAt = previous?.roundAt ?? 0;
  let roundMoved = previous?.roundMoved ?? 0;
  // While a shift is in place (some endpoint served under its fair share: cut, ejected or
  // slow-starting) and its receivers are loaded, an endpoint at its full share is cut only
  // for a large excess. Without a shift, the first cut keeps the usual band: a backend
  // turning slow must not wait for the others to look calm.
  const shifted = work.some((w) => w.effective < 1 || added.has(w.address));
  const loadedNoise = shifted && loaded ? noise * LOADED_BAND_FACTOR : noise;
  // The noise each proposal's bands were widened by (by position in `work`), which its
  // reason names.
  const bandNoise: number[] = [];
  if (!panic && freshness === 'fresh') {
    for (let k = 0; k < work.length; k++) {
      const w = work[k]!;
      if (!w.current || w.ejected || added.has(w.address) || released.has(w.address)) continue;
      const ratio = scores.get(w.address)!.ratio;
      const sinceCutMs = w.lastCutAt === 0 ? Infinity : now - w.lastCutAt;
      proposals.set(w.address, controlStep(w.control, ratio, fraction, policy, {
        sinceCutMs,
        sinceEpisodeMs: w.episodeAt === 0 ? Infinity : now - w.episodeAt,
        cutFrom: w.cutFrom,
        episodeLow: w.episodeLow,
        deepenFrom: w.deepenFrom,
        deepenOpen: now < w.deepenUntil,
        backlog: deepIn(held?.get(w.address), policy.latencyTargetMs),
        provenFrom: w.episodeProven,
        queueGone: queueGone(raws[k], w.signals.latencyMs, baselineMs),
      }, (bandNoise[k] = w.control < 1 ? noise : loadedNoise), w.typicalRatio, ceilings[k]));
    }
    const inRound = previous !== undefined && previous.roundAt > 0 && now - previous.roundAt < CUT_HOLD_MS;
    const movedNow = limitShift(work, proposals, scores, baselineMs, inRound ? previous.roundMoved : 0);
    if (movedNow > 0) {
      roundAt = inRound ? previous.roundAt : now;
      roundMoved = (inRound ? previous.roundMoved : 0) + movedNow;
    }
  }

  // 7. Per endpoint: control, caps, step limit, quantisation, reasons.
  const hysteresis = Math.min(QUANTISE_HYSTERESIS, policy.maxStep / 2);
  const riseLimit = maxIncrease(policy, fraction);
  const cutLimit = maxCut(policy, 1);
  const reports: EndpointWeight[] = [];
  const row = new Map<string, number>();
  let changedAt = previous?.changedAt ?? 0;
  for (let k = 0; k < work.length; k++) {
    const w = work[k]!;
    const score = scores.get(w.address)!;
    const endpointAge = now - (w.lastDataAt > 0 ? w.lastDataAt : w.firstSeenAt);
    let action: ControlAction | 'drift' = 'hold';
    let trimmed = false;
    let capped = false;
    let kind: DecisionKind = 'shift';
    let reason: string | undefined;
    if (added.has(w.address)) {
      w.ejections = now - w.ejectedAt > EJECTION_FORGET_MS || w.ejectedAt === 0 ? 1 : w.ejections + 1;
      w.ejected = true;
      w.ejectedAt = now;
      kind = 'eject';
      reason = why.ejectReason(w.signals.errorRatio, policy, ejectionTimeMs(w.ejections), w.ejections);
    } else if (released.has(w.address)) {
      w.ejected = false;
      w.control = 1;
      w.slowStartAt = policy.slowStartMs > 0 ? now : 0;
      // Returned without error data (no reading for ERROR_READING_HOLD_MS), it is judged
      // afresh: its next reading is taken as is. The smoothed errors of its fault would
      // otherwise come back with it, and with a long half-life the first calls of a healed
      // backend, all fine, blended with them read over the threshold (or, under it, priced
      // into its cost, cut it). Returned on a reading, that ratio stands: under the level
      // when healed, its own when the cap shrank.
      const ratio = errorsMeasured[k] ? w.signals.errorRatio : heldErrorRatio(w.signals.errorRatio, w.errorsAt, input.sampleAt || now);
      if (ratio === undefined) w.signals = withoutErrors(w.signals);
      kind = 'restore';
      reason = why.releaseReason(ratio, policy);
    }
    if (panic) {
      w.control = 1;
    } else if (freshness === 'reset' || (freshness === 'fresh' && !w.current && endpointAge > holdMs)) {
      const next = driftStep(w.control, fraction, policy);
      if (next > w.control) action = 'drift';
      w.control = next;
    } else if (freshness === 'fresh' && !w.ejected) {
      const r = proposals.get(w.address) ?? { control: w.control, action: 'hold' };
      action = r.action;
      trimmed = r.trimmed === true;
      capped = r.capped === true;
      if (action === 'cut') {
        // Remember the level where trouble began (the first cut after a good reading):
        // restores slow down near it. Further cuts of an endpoint that never looked good
        // in between are the same trouble, not a lower limit. A trim begins no episode (its
        // hold is a cut's); a trim deepened by a reading the noise cannot explain does,
        // from the level before the trim.
        if (!trimmed) {
          if (w.goodSinceCut || w.lastCutAt === 0) {
            w.episodeProven = w.fineSinceCut;
            w.cutFrom = r.deepened === true ? Math.max(w.control, w.deepenFrom) : w.control;
            w.episodeLow = w.cutFrom;
            w.episodeAt = now;
            w.episodePeak = score.cost ?? 0;
          }
          w.episodeLow = Math.min(w.episodeLow, r.control);
          w.goodSinceCut = false;
          w.fineSinceCut = false;
        }
        w.lastCutAt = now;
        if (r.deepened !== true) {
          w.deepenFrom = r.deepenFrom ?? 0;
          w.deepenUntil = w.deepenFrom > 0 ? now + DEEPEN_MS : 0;
        }
      } else if (score.ratio !== undefined && score.ratio < 1 + CUT_BAND) {
        // A reading speaks of the level the endpoint is served at only once that level has
        // been served, and read, for a while (PROVEN_AFTER_MS).
        if (now - Math.max(w.changedAt, w.firstLatencyAt) >= PROVEN_AFTER_MS) w.fineSinceCut = true;
        if (score.ratio < 1 + RESTORE_BAND) w.goodSinceCut = true;
      }
      w.control = r.control;
    }
    const slowStarting = !w.ejected && inSlowStart(w.slowStartAt, now, policy);
    if (!slowStarting && w.slowStartAt > 0 && !inSlowStart(w.slowStartAt, now, policy)) w.slowStartAt = 0;

    // The step limit binds the served multiplier, whatever moved it (slow start, a changed
    // annotation, a panic's split following the estimates), except for ejections and the
    // start and end of a panic, which act at once by design.
    const limited = w.firstSeenAt !== now && wasPanic === panic;
    let effective: number;
    // Within a panic, an endpoint without a sample this tick (no estimate) holds its share.
    // An endpoint with a deep backlog gets a share of its split until the backlog is gone (PANIC_DRAIN).
    if (panic) {
      const split = panicAt[k] ?? 1;
      const drained = wasPanic && w.effective <= split * PANIC_DRAIN * (1 + DRAINED_SLACK);
      const drain = queueingNow(raws[k], policy.latencyTargetMs, drained);
      effective = wasPanic && !w.current && w.effective > 0 ? w.effective : Math.max(policy.weightFloor, split * (drain ? PANIC_DRAIN : 1));
    } else if (w.ejected) effective = EJECTED_MULTIPLIER;
    else effective = slowStarting ? Math.min(w.control, slowStartCap(now - w.slowStartAt, policy)) : w.control;
    if (limited && (panic || !w.ejected)) effective = stepLimit(effective, w, riseLimit, cutLimit);
    w.effective = effective;
    const before = w.published;
    const published = quantise(effective, before > 0 ? before : undefined, hysteresis);
    w.published = published;
    if (published !== before) {
      reason ??= why.explainShift(published > before, {
        panic,
        panicExit: wasPanic && !panic,
        action,
        slowStartBinds: slowStarting && effective < w.control,
        cut: () =>
          capped
            ? why.capacityReason(w.signals, ceilings[k] ?? 1, largestCapacity)
            : trimmed
              ? why.trimReason(w.signals, score, referenceMs, w.typicalRatio, trimLimit(bandNoise[k] ?? noise))
              : why.cutReason(w.signals, score, referenceMs, bandNoise[k] ?? noise, held?.get(w.address)),
        restore: () => why.restoreReason(w.signals, score, referenceMs),
        panicText: () => why.panicEnterReason(degraded, work.length, policy, byCapacity),
        panicExitText: () => why.panicExitReason(degraded, work.length, policy),
        drift: () => why.driftReason(w.lastDataAt > 0 ? endpointAge : undefined),
        ramp: () => why.slowStartReason('ramp', now - w.slowStartAt, policy),
      });
      if (before > 0) decisions.push({ serviceId: id, kind, endpoint: w.address, from: before, to: published, reason });
      w.reason = reason;
      w.changedAt = now;
      changedAt = now;
    } else if (reason !== undefined && kind !== 'shift') {
      decisions.push({ serviceId: id, kind, endpoint: w.address, from: before, to: published, reason });
      w.reason = reason;
    }
    const served = service.policy.mode === 'shadow' ? FAIR_WEIGHT : published;
    row.set(w.address, served);
    reports.push({
      address: w.address,
      weight: published,
      served,
      state: stateOf(w, score.degraded, slowStarting, endpointAge > STALE_AFTER_MS || freshness !== 'fresh'),
      signals: w.signals,
      reason: w.reason,
      changedAt: w.changedAt,
    });
  }

  const standing = freshness === 'fresh' ? receiversStanding(work, scores, baselineMs) : standingBefore;
  return {
    memory: { createdAt, lastTickAt: now, baselineMs: storedBaselineMs, noiseVar: nextNoise, receiversStanding: standing, roundAt, roundMoved, lastFreshAt, freshness, panic, panicSince, cooldownUntil, overSince, changedAt, endpoints: toColumns(rows, previous?.endpoints) },
    report: { serviceId: id, mode: policy.mode, panic, endpoints: reports, changedAt, metricsAvailable: anyCurrent },
    row,
    decisions,
  };
}

/** A served multiplier within this fraction over a drained split was drained (quantisation and the split's own moves). */
const DRAINED_SLACK = 0.1;

/**
 * Whether this tick's raw sample shows a deep backlog (inflight.ts `deepBacklog`;
 * queue-split.ts), or, for an endpoint drained on the tick before, a backlog not yet
 * drained (inflight.ts `drainsNow`).
 */
function queueingNow(raw: EndpointSample | undefined, latencyTargetMs: number, wasDrained = false): boolean {
  if (raw === undefined || !usable(raw.inflight)) return false;
  return drainsNow(raw.inflight, usable(raw.requestRate) ? raw.requestRate : 0, latencyTargetMs, wasDrained);
}

/** `target` within a tick's step from the endpoint's served multiplier. */
function stepLimit(target: number, w: Working, riseLimit: number, cutLimit: number): number {
  // Cuts are events (at most one per CUT_HOLD_MS), not rates: a whole cut may land in one tick.
  const e = Math.max(Math.min(target, w.effective * riseLimit), w.effective * cutLimit);
  // What a tick could not land of a deep cut (a deepening goes down to two cuts' limit)
  // waits for the endpoint's next sample: a missing sample never lowers a weight.
  return w.current ? e : Math.max(e, w.effective);
}

/** Whether an endpoint's cut (its episode's first) has had CUT_HOLD_MS to show. */
function cutHasShown(w: Working, now: number): boolean {
  return w.episodeAt > 0 && now - w.episodeAt >= CUT_HOLD_MS;
}

function stateOf(w: Working, degraded: boolean, slowStarting: boolean, stale: boolean): EndpointState {
  if (w.ejected) return 'ejected';
  if (stale) return 'stale';
  if (slowStarting) return 'slow-start';
  if (degraded || w.control < 1) return 'degraded';
  return 'healthy';
}

function deepIn(held: why.HeldCalls | undefined, latencyTargetMs: number): boolean {
  return held !== undefined && deepBacklog(held.inflight, held.answered, latencyTargetMs);
}
