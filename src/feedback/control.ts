/**
 * The controller: how an endpoint's multiplier of its fair share moves each tick.
 *
 * It is an integral controller with a dead band and hysteresis, cutting multiplicatively
 * in proportion to the log of how much worse than the reference an endpoint is, and
 * restoring at a bounded speed only after the data had time to show the last cut. Why
 * not weight ∝ 1/latency (a proportional target): latency depends on the load the
 * weight itself sends, so a proportional target swings between "overloaded → cut" and
 * "idle → fast → restore" (the classic herd). Integrating with a dead band settles where
 * the endpoint's cost is within the band of its peers' and then holds still.
 */
import type { ServicePolicy } from '../model/index.js';
import {
  CAPACITY_HYSTERESIS,
  CLEARLY_FAST,
  CUT_BAND,
  CUT_EXPONENT,
  CUT_HOLD_MS,
  CUT_SPEED,
  DEEPEN_STEP,
  EPISODE_MS,
  EWMA_LIMIT,
  HEALED_AFTER_MS,
  KNEE_FORGET_MS,
  MAX_STEP_MS,
  PROBE_CEILING,
  PROBE_CUT,
  PROBE_SPEED,
  RESTORE_BAND,
  RESTORE_HOLD_MS,
  RESTORE_KNEE,
  TRIM_CUT,
  TRIM_HOLD_MS,
} from './tuning.js';

/** The fraction of a full step a tick of `dtMs` may take: ticks faster than 1 s take less. */
export function stepFraction(dtMs: number): number {
  if (!(dtMs > 0)) return 0;
  return Math.min(1, dtMs / MAX_STEP_MS);
}

/** The largest increase factor of a multiplier in one tick: (1 + maxStep)^fraction. */
export function maxIncrease(policy: ServicePolicy, fraction: number): number {
  return Math.pow(1 + policy.maxStep, fraction);
}

/** The smallest factor `fraction` cuts may apply together (one tick's cut is 1): (1 + maxStep)^(−CUT_SPEED·fraction). */
export function maxCut(policy: ServicePolicy, fraction: number): number {
  return Math.pow(1 + policy.maxStep, -CUT_SPEED * fraction);
}

/** What the controller did. */
export type ControlAction = 'cut' | 'restore' | 'hold';

export interface ControlResult {
  readonly control: number;
  readonly action: ControlAction;
  /**
   * For a cut: the level a later deepening of it is measured from (the control before a
   * full cut, or before the cut being deepened), 0 when it cannot be deepened (a gentle
   * probing cut). Absent for restores and holds.
   */
  readonly deepenFrom?: number;
  /** True when the cut deepens the last one during its hold (the hold restarts; the base stays). */
  readonly deepened?: boolean;
  /** True for a trim: a small cut for a standing over the band that persists (`persistentExcess`). */
  readonly trimmed?: boolean;
  /** True when the endpoint's capacity ceiling set the result (a cut to it, or a restore stopped there). */
  readonly capped?: boolean;
}

/** What the controller remembers of its last cut. */
export interface CutMemory {
  /** ms since the last cut, trims included (Infinity when never). */
  readonly sinceCutMs: number;
  /** ms since the cut that began the last episode of trouble (Infinity when none; trims begin none). */
  readonly sinceEpisodeMs: number;
  /** The multiplier the last cut started from (1 when never cut). */
  readonly cutFrom: number;
  /** The lowest multiplier the cuts since then reached (1 when never cut). */
  readonly episodeLow?: number;
  /** The level the last cut may be deepened from (0: it may not be), and whether it still may. */
  readonly deepenFrom: number;
  readonly deepenOpen: boolean;
  /**
   * Whether the endpoint's latency this tick is its calls in flight's (a backlog building,
   * or calls stuck) and they mean a wait of seconds (inflight.ts `deepBacklog`). During a
   * cut's hold, such a reading deepens the cut to two cuts' limit.
   */
  readonly backlog?: boolean;
  /**
   * Whether the endpoint had looked good at the level the episode began at (`cutFrom`),
   * rather than being in trouble from its first readings at the level weir's first tick
   * gave it. Only such a level's knee is forgotten (KNEE_FORGET_MS): equal weights say
   * nothing of a small backend's capacity. On the loop benchmark's heterogeneous service
   * the small backends, overloaded at the cold start and cut to 15, had their knee
   * forgotten to 50 (twice their capacity) and went 15 → 42 in four ticks on readings the
   * window had not caught up with. A reading proves a level only once the level has been
   * served, and read, for PROVEN_AFTER_MS (the first seconds of load do not). Default: proven.
   */
  readonly provenFrom?: boolean;
  /**
   * Whether the endpoint's latency is several times what its calls in flight say, and they
   * say a call sent now waits little (inflight.ts `queueGone`): the latency window still
   * reads a queue that is gone, and an endpoint already cut in this episode is not cut
   * again on it (a deepening during the cut's hold is not concerned). On the loop
   * benchmark's heterogeneous cold start the small backends, cut to 5–10 with their
   * backlog, were cut again to 1 once their hold was over, on windows of 1.7–2.0 s with
   * nothing in flight, and the big two took 168 calls a second on a capacity of 160.
   */
  readonly queueGone?: boolean;
}

/**
 * One control step. `ratio` is the endpoint's cost over the reference (undefined: no
 * current data, so hold). Above (1 + CUT_BAND) × `noise` (the widening of the band by
 * the service's noise, ≥ 1, see NOISE_K) it cuts by ((1 + CUT_BAND)/ratio)^CUT_EXPONENT,
 * never below maxCut, at most once per CUT_HOLD_MS (a full cut may be deepened during
 * the hold, see `deepen`). Under that but over the plain band, with a `typical` standing
 * (the endpoint's ratio smoothed over ~10 s) over the band a mean must clear, it trims
 * (`persistentExcess`, by TRIM_CUT at most, TRIM_HOLD_MS after the last cut). Below
 * 1 + RESTORE_BAND, and RESTORE_HOLD_MS after the last cut, it restores: by maxIncrease
 * up to the restore knee (`restoreKnee`), and past it at a speed that falls to nothing at
 * the band's edge (`probeSpeed`); in between it holds. With a `ceiling` (the endpoint's
 * capacity share, utilisation.ts) the result never rises past it, and a multiplier over
 * it by CAPACITY_HYSTERESIS is brought down to it. The result stays in [weightFloor, 1].
 * Monotone: a larger ratio (or typical standing, or a lower ceiling) never gives a larger
 * multiplier.
 */
export function controlStep(
  control: number,
  ratio: number | undefined,
  fraction: number,
  policy: ServicePolicy,
  cut: CutMemory,
  noise = 1,
  typical = 0,
  ceiling?: number,
): ControlResult {
  if (ratio === undefined || fraction <= 0) return { control, action: 'hold' };
  const r = latencyStep(control, ratio, fraction, policy, cut, noise, typical);
  if (ceiling === undefined || !(r.control > ceiling)) return r;
  // Over its capacity share: down to it (a cut's limit at most in one step) — a trim, which
  // begins no episode of trouble — unless latency cut deeper; a restore stops there.
  if (control > ceiling * (1 + CAPACITY_HYSTERESIS)) {
    return { control: Math.max(ceiling, control * maxCut(policy, 1), policy.weightFloor), action: 'cut', deepenFrom: 0, trimmed: true, capped: true };
  }
  if (r.action === 'restore') return control < ceiling ? { control: ceiling, action: 'restore', capped: true } : { control, action: 'hold' };
  return r;
}

/** controlStep on the reading alone. */
function latencyStep(
  control: number,
  ratio: number,
  fraction: number,
  policy: ServicePolicy,
  cut: CutMemory,
  noise: number,
  typical: number,
): ControlResult {
  const floor = policy.weightFloor;
  // The size of a cut is what the reading asks for; the noise only decides whether the
  // reading is trusted (a test's threshold, not its estimate).
  const trusted = ratio > (1 + CUT_BAND) * Math.max(1, noise);
  if (trusted || (persistentExcess(ratio, typical, noise) && cut.sinceCutMs >= TRIM_HOLD_MS)) {
    const wanted = Math.pow((1 + CUT_BAND) / ratio, CUT_EXPONENT);
    // (Only a trusted reading gets here during a hold: trims wait TRIM_HOLD_MS.)
    if (cut.sinceCutMs < CUT_HOLD_MS) return deepen(control, wanted, policy, cut);
    if (cut.queueGone === true && control < 1 && cut.sinceEpisodeMs < EPISODE_MS) return { control, action: 'hold' };
    // Probing past the knee of a recent episode found the limit again: step back a little
    // (CUBIC's multiplicative decrease) rather than all the way down. An endpoint that
    // made it most of the way back to where its trouble began (PROBE_CEILING) is not
    // probing: new trouble gets a full cut. A trim is smaller still, and a reading the
    // noise cannot explain may deepen it; a trim is no episode of trouble, so it never
    // makes the next real cut a probe's.
    const probing = cut.sinceEpisodeMs < EPISODE_MS && control < Math.min(1, PROBE_CEILING * cut.cutFrom) && control >= RESTORE_KNEE * cut.cutFrom;
    const limit = !trusted ? TRIM_CUT : probing ? Math.min(1, Math.max(PROBE_CUT, maxCut(policy, 1))) : maxCut(policy, 1);
    const next = Math.max(floor, control * Math.max(wanted, limit));
    if (!(next < control)) return { control, action: 'hold' };
    if (!trusted) return { control: next, action: 'cut', deepenFrom: control, trimmed: true };
    return { control: next, action: 'cut', deepenFrom: probing ? 0 : control };
  }
  if (ratio < 1 + RESTORE_BAND && cut.sinceCutMs >= RESTORE_HOLD_MS) {
    // Fast up to the knee and not past it (a full step from just under it went half as far
    // again), then at the probe's speed. At or past the knee the fast part is at most the
    // knee, so the probe's step is the larger.
    const forgotten = cut.sinceCutMs >= KNEE_FORGET_MS && cut.provenFrom !== false;
    const knee = forgotten ? RESTORE_KNEE * cut.cutFrom : restoreKnee(cut.cutFrom, cut.episodeLow ?? cut.cutFrom);
    const fast = Math.min(control * maxIncrease(policy, fraction), knee);
    const probed = settledOver(ratio, typical, noise) ? control : control * Math.pow(1 + policy.maxStep * probeSpeed(ratio, cut.sinceCutMs), fraction);
    const next = Math.min(1, Math.max(fast, probed));
    return next > control ? { control: next, action: 'restore' } : { control, action: 'hold' };
  }
  return { control, action: 'hold' };
}

/**
 * A standing over the band that persists: the reading is over the band and the endpoint's
 * typical standing (its readings smoothed over NOISE_TYPICAL_HALF_LIFE_MS) is over the
 * band widened by what the noise means for a mean of readings (an EWMA control chart's
 * narrower limit). A single reading must clear the noise; a run of readings need not.
 */
export function persistentExcess(ratio: number, typical: number, noise: number): boolean {
  return ratio > 1 + CUT_BAND && typical > trimLimit(noise);
}

/** The typical standing over which an endpoint is trimmed: the band widened by what the noise means for a mean. */
export function trimLimit(noise: number): number {
  return (1 + CUT_BAND) * Math.pow(Math.max(1, noise), EWMA_LIMIT);
}

/**
 * How fast an endpoint restores past the knee, as a fraction of the full speed: all of
 * it under CLEARLY_FAST (far from its limit: a backend that healed) once HEALED_AFTER_MS
 * have passed since its last cut, PROBE_SPEED up to the reference, and from there less
 * and less, down to nothing at the restore band's edge. A fixed probe speed (×1.1 a
 * second) kept going for the ~4 s the readings lag, whatever they said: on the loop
 * benchmark's heterogeneous service the middle backend went from 48 to 71–78 on readings
 * of 1.12× and overloaded (an AIMD sawtooth). Near the edge it now creeps: ×1.02 a
 * second at 1.12×. Soon after a cut, a fast reading says that the cut relieved the
 * endpoint, not that it healed: a backend with half its peers' capacity reads fast at a
 * fifth of its share, and restored at full speed on such readings it went from 10 to
 * 100 in 6 s and overloaded, again and again (the heterogeneous simulation at the
 * benchmark's calibration). Non-increasing in the ratio.
 */
export function probeSpeed(ratio: number, sinceCutMs = Infinity): number {
  if (ratio < CLEARLY_FAST) return sinceCutMs >= HEALED_AFTER_MS ? 1 : PROBE_SPEED;
  const edge = 1 + RESTORE_BAND;
  return PROBE_SPEED * Math.min(1, Math.max(0, (edge - ratio) / (edge - 1)));
}

/**
 * Whether a reading under the restore band is only the low side of an endpoint that
 * typically reads over it: its typical standing (`typical`, readings smoothed over
 * NOISE_TYPICAL_HALF_LIFE_MS) is over the band, and the reading is within the service's
 * noise of it, and not clearly fast. Such an endpoint does not probe past its knee: it is
 * where its latency says it should be, and one reading's dip is no room. On the loop
 * benchmark's heterogeneous service the small backends, restored after the cold start,
 * probed on every dip and settled where they typically read 1.3–1.5× (the middle one at
 * 56 against its capacity share of 50 and the oracle's 41). A healed backend reads far
 * under its typical standing of its slow minute (more than the noise), and probes.
 */
export function settledOver(ratio: number, typical: number, noise: number): boolean {
  return ratio >= CLEARLY_FAST && typical > 1 + RESTORE_BAND && ratio * Math.max(1, noise) >= typical;
}

/**
 * Where fast restores end: RESTORE_KNEE of the level trouble began at, or the geometric
 * middle between it and the lowest level the cuts reached, whichever is lower (until
 * KNEE_FORGET_MS after the last cut, then RESTORE_KNEE's alone). Trouble
 * was seen at `cutFrom`, all was well at `low`: the capacity is somewhere between, and
 * after a deep cut (a small backend cut at equal weights to the floor) half of `cutFrom`
 * can be several times too much. The middle is taken in log terms, as cuts are.
 */
export function restoreKnee(cutFrom: number, low: number): number {
  return Math.min(RESTORE_KNEE * cutFrom, Math.sqrt(cutFrom * Math.min(low, cutFrom)));
}

/**
 * During a cut's hold, the window fills with data of the trouble that caused it: the first
 * reading of a backend that turned 5× slower says 3×. A full cut may be deepened to what
 * the newer reading asks for, measured from the level the cut started from (not from the
 * cut level, so readings of the same trouble never compound), down to two cuts' limit
 * of that level, while DEEPEN_MS lasts and only by a meaningful step (to under DEEPEN_STEP
 * of the control).
 */
function deepen(control: number, wanted: number, policy: ServicePolicy, cut: CutMemory): ControlResult {
  if (!cut.deepenOpen || !(cut.deepenFrom > 0)) return { control, action: 'hold' };
  // As deep as two full cuts from the base: a backlog grows for as long as the cut level
  // is over the backend's capacity, and the reading lags it (a backend 5× slower read 4×,
  // 9× and then 15× in three ticks); one cut's limit held it at 16% of its fair share for
  // a whole hold while its queue drained through the calls still sent to it.
  // A backlog still standing a tick after the cut: every call sent there waits behind it
  // (a backend 5× slower held 23 calls the tick after its cut, a 6-second wait at its 4
  // calls a second), and the latency the cut was sized on is that queue's, not the
  // backend's: only the floor's trickle until it drains.
  const next = Math.max(policy.weightFloor, cut.deepenFrom * (cut.backlog === true ? maxCut(policy, 2) : Math.max(wanted, maxCut(policy, 2))));
  if (next < control * DEEPEN_STEP) return { control: next, action: 'cut', deepenFrom: cut.deepenFrom, deepened: true };
  return { control, action: 'hold' };
}

/** Drift toward equal weights (stale data): a restore at the bounded speed, whatever the signals. */
export function driftStep(control: number, fraction: number, policy: ServicePolicy): number {
  return Math.min(1, control * maxIncrease(policy, fraction));
}
