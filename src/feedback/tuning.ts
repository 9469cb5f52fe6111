/**
 * The engine's fixed tuning: the constants that are not per-Service knobs. Each is
 * explained where it is used and in docs/feedback.md; the per-Service knobs (and their
 * bounds) are in src/model/policy.ts. Tuned against the scenario simulations in
 * test/unit/feedback/sim/ (slow, failing, flapping, heterogeneous and mass-degraded
 * backends, with Prometheus' few seconds of lag).
 */

/**
 * Rising latency (and errors, CPU, memory) is smoothed with this fraction of the
 * half-life, falling with the whole half-life: a worsening shows within a tick, a
 * recovery must last to count. Linkerd's peak-EWMA takes a peak at once; a quarter
 * half-life keeps a single noisy quantile from doing that.
 */
export const ATTACK_FRACTION = 0.25;

/** The reference is this quantile of the peers' costs (0.25: the second best of five). */
export const REFERENCE_QUANTILE = 0.25;

/**
 * The reference never falls below this fraction of the service's latency target: a
 * 4 ms endpoint is not "4× worse" than 1 ms peers when the target is 250 ms.
 */
export const MIN_REFERENCE_FRACTION = 0.1;

/**
 * An error is priced as this many latency targets of extra latency (the fail-fast
 * penalty, as gRPC's and Envoy's weighted round robin add an error penalty to the
 * utilisation): a backend failing in 1 ms never looks fast.
 */
export const ERROR_COST_TARGETS = 4;

/** Dead band: no cut while the cost is within (1 + this) × the reference. */
export const CUT_BAND = 0.4;

/**
 * The dead band widens with the service's noise, as a control chart's limits sit k
 * standard deviations out: a cut needs a cost over (1 + CUT_BAND) × e^(NOISE_K·σ), σ
 * being how far the endpoints' standings (cost over the reference) stray from their own
 * typical standings (see noise.ts), smoothed with NOISE_HALF_LIFE_MS. Busy backends queue at random for a few
 * seconds and a quantile of a few dozen calls is rough: at 75% load, healthy backends on
 * loopback read up to 2.5× the reference for seconds at a time, while a backend that
 * turned 5× slower reads 3–5× and stays there. Where latencies are steady (many calls,
 * backends with room) σ is near 0 and the band is CUT_BAND's. The widening is capped at
 * NOISE_MAX_FACTOR so that a service where everything wanders still cuts a backend that
 * is several times worse.
 */
export const NOISE_K = 3;
export const NOISE_HALF_LIFE_MS = 20_000;
export const NOISE_MAX_FACTOR = 1.8;
/**
 * A run of readings need not clear the noise that a single reading must: an endpoint whose
 * typical standing (its readings smoothed over NOISE_TYPICAL_HALF_LIFE_MS, about ten ticks)
 * is over (1 + CUT_BAND) × noise^EWMA_LIMIT, and whose reading is over the plain band, is
 * trimmed (control.ts `persistentExcess`). The exponent is an EWMA control chart's: with a
 * 10 s half-life at 1 s ticks (λ = 0.067) a mean's σ is √(λ/(2−λ)) = 0.19 of a reading's.
 * On the loop benchmark's heterogeneous service the noise held the band at its widest
 * (×1.8, a cut only at 2.5× the reference), and the middle backend sat at 65 (its share
 * is 50) for 30 s reading 1.4–2.4× the reference.
 */
export const EWMA_LIMIT = 0.19;
/** A trim cuts by this factor at most (enough to move a published weight past the hysteresis). */
export const TRIM_CUT = 0.85;
/**
 * Trims come at least this long after the last cut of the endpoint: the readings and the
 * typical standing must first show what the last cut did (in simulation, trims every 6 s
 * went two steps too far and back: the middle backend swung between 38 and 58).
 */
export const TRIM_HOLD_MS = 12_000;
/** An endpoint's typical standing is its cost over the reference smoothed (in log terms) with this half-life. */
export const NOISE_TYPICAL_HALF_LIFE_MS = 10_000;
/** The noise is measured only over at least this many endpoints (with two, one broken endpoint would be "the noise"). */
export const NOISE_MIN_ENDPOINTS = 3;

/**
 * The receivers of a shift (the endpoints not cut) are loaded when their median cost is
 * at least this many times the service's baseline (see headroom.ts), which tracks the
 * low readings. On the loop benchmark, four healthy 2-slot backends read 1.2–1.5× while
 * they carried a fifth backend's share (75% load), and 1.2–1.45× at 60%: the rule
 * applies only while a shift is in place, and that is what tells the two apart.
 */
export const RECEIVERS_LOADED = 1.15;

/** While the receivers are loaded, an endpoint at its full share is cut only over the band × this. */
export const LOADED_BAND_FACTOR = 2;

/** Hysteresis: restore only once the cost is back under (1 + this) × the reference. */
export const RESTORE_BAND = 0.15;

/** An endpoint whose cost is at least this many times the reference counts as degraded. */
export const DEGRADED_RATIO = 2;

/**
 * The cut the signals ask for, per cut: ((1 + CUT_BAND) / ratio) ^ CUT_EXPONENT. With 1,
 * a 2× endpoint is cut to 70% and a 5× one to 28% (then bounded by the cut limit);
 * a larger exponent cut overloaded endpoints of small capacity too deep in simulation.
 */
export const CUT_EXPONENT = 1;

/**
 * Cuts may be this many times faster (in log terms) than restores: (1 + maxStep)^5 per
 * cut (×0.13 with the default maxStep), so one cut takes a broken endpoint under a
 * fifth of its fair share.
 */
export const CUT_SPEED = 5;

/**
 * After a cut, the next cut waits this long: the data still shows the load before the
 * cut for a Prometheus window or so, and cutting again on it is how a controller
 * overshoots to the floor (the classic herd).
 */
export const CUT_HOLD_MS = 6_000;

/**
 * For this long after a full cut, the cut may be deepened as the data of the trouble
 * fills the window (see control.ts); after it, only the next cut (after CUT_HOLD_MS)
 * goes deeper.
 */
export const DEEPEN_MS = 4_000;

/** A deepening must take the control under this fraction of its value (no small steps). */
export const DEEPEN_STEP = 0.8;

/**
 * After a cut, restores wait this long: Prometheus' windows lag a few seconds, and
 * restoring before a cut shows in the data is how controllers oscillate.
 */
export const RESTORE_HOLD_MS = 6_000;

/**
 * A cut within this long of the start of the endpoint's episode of trouble (the first cut
 * after a good reading), of an endpoint back past the episode's knee, is a probe's: gentle.
 */
export const EPISODE_MS = 60_000;

/**
 * A cut while probing above the knee of a recent episode is gentle: × this. Only up to
 * PROBE_CEILING of the level the episode began at: an endpoint most of the way back is
 * not probing any more. On the loop benchmark a flapping backend, cut at the warm-up's
 * cold start and restored to 91 by the time it turned 5× slower, was cut by ×0.7 every
 * 6 s (91 → 69 → 48 → 6) and weir's p99 was 1.5 s.
 */
export const PROBE_CEILING = 0.8;
/** A probe's cut. */
export const PROBE_CUT = 0.7;

/**
 * Restores run at the full speed (1 + maxStep per second) up to this fraction of the
 * level the last cut started from (or lower, see control.ts `restoreKnee`), then slower
 * the nearer the reading is to the band's edge: fast back to well below where trouble
 * began, then carefully past it (the idea of TCP CUBIC's plateau).
 */
export const RESTORE_KNEE = 0.5;
/**
 * The geometric middle knee (control.ts `restoreKnee`) is kept this long after the last
 * cut; after it, restores run fast up to RESTORE_KNEE of where the trouble began. An
 * endpoint left alone at a low level that long is not near a limit it is probing: on the
 * loop benchmark a backend that had sat at the floor (then 2) for the minute of its slowness
 * came back fast only to √(100 × 2) ≈ 14 once healed, then at a fifth of the speed (its
 * readings of 0.8–1× its busy peers are not clearly fast): not at 80% of its fair share
 * 30 s after healing.
 */
export const KNEE_FORGET_MS = 30_000;
/**
 * A reading within the cut band proves the level the endpoint is served at (its knee may
 * then be forgotten, KNEE_FORGET_MS) only once the endpoint has been served that level,
 * and has had latency readings, for this long: the window must first hold the level's
 * calls. On the loop benchmark's heterogeneous service the small and middle backends read
 * within the band for the first 1–3 s of load at weir's first (equal) weights, then 3–60×
 * over it as their queues showed; counted as proven, their knees were forgotten 30 s after
 * the cold start's cuts and they ran ×1.5 a second to half of 100 (twice a small backend's
 * capacity share).
 * Counted from the first readings, not from when weir first saw the endpoint: weir had
 * been serving the benchmark's endpoints for seconds before the load began. Session 14
 * asked for 10 s, which the end-to-end test's backend, turned slow a few seconds after
 * its first readings, never had: it came back at a crawl.
 */
export const PROVEN_AFTER_MS = 4_000;
/** Past the knee, restores run at this fraction of the full speed at most (see control.ts `probeSpeed`). */
export const PROBE_SPEED = 0.2;
/**
 * An endpoint whose cost is under this fraction of the reference restores at full speed
 * even past the knee, HEALED_AFTER_MS after its last cut: sooner, a fast reading may only
 * mean that the cut relieved it (control.ts `probeSpeed`).
 */
export const CLEARLY_FAST = 0.7;
export const HEALED_AFTER_MS = 20_000;

/**
 * An endpoint holding at least STUCK_MIN_INFLIGHT calls, whose calls in flight over its
 * calls answered per second (Little's law: the time a call spends there, unfinished ones
 * included) is at least STUCK_TARGETS latency targets, has stopped answering: that time
 * stands in for its latency, capped at STUCK_CAP_TARGETS targets (inflight.ts). At the
 * default target: 3 calls, 5 s, 25 s. Two calls in flight at a 2% floor's trickle
 * (0.3 calls a second) would already read 6.7 s, hence three.
 */
export const STUCK_MIN_INFLIGHT = 3;
export const STUCK_TARGETS = 20;
export const STUCK_CAP_TARGETS = 100;
/**
 * A backlog is building when an endpoint holds at least BACKLOG_FACTOR × its calls
 * answered per second × the service's baseline latency, plus BACKLOG_MIN, calls
 * (inflight.ts): twice what the baseline explains, and more than a burst. On the loop
 * benchmark healthy backends held 0–3 calls (answering 12 a second at a 150 ms
 * baseline: the mark is 7.6), and a backend turned 5× slower held 9 a second after the
 * change and 17 two seconds after. Replayed over the recordings of a run with every
 * scenario (s7c), the rule cut the slow backend of slow-backend and flapping a tick
 * earlier, and added no cut of a healthy backend under the oracle's fixed weights.
 */
export const BACKLOG_FACTOR = 2;
/**
 * A backlog whose calls mean a wait of this many latency targets or more (inflight.ts
 * `deepBacklog`; 1 s at the default target) takes a cut to two cuts' limit during its
 * hold. On the loop benchmark the backend turned 5× slower held 23 calls at 6.3
 * answered a second (3.7 s) the tick after its cut; the heterogeneous service's middle
 * backend, 20% over its capacity, held 15 at 35 a second (0.4 s), and taken to the floor
 * for it, it pushed its load onto a small backend, which went too, and the big two
 * carried 95% of their capacity for 15 s.
 */
export const DEEP_BACKLOG_TARGETS = 4;
export const BACKLOG_MIN = 4;
/**
 * A latency of QUEUE_GONE_STALE_FACTOR times what an endpoint's calls in flight say (and
 * as many baselines), while they say a call waits at most QUEUE_GONE_WAIT_BASELINES
 * baselines, is the window's memory of a queue that is gone (inflight.ts `queueGone`);
 * under QUEUE_GONE_MIN_RATE calls answered a second, calls in flight say too little.
 */
export const QUEUE_GONE_STALE_FACTOR = 3;
export const QUEUE_GONE_WAIT_BASELINES = 2;
export const QUEUE_GONE_MIN_RATE = 2;

/** A control step covers at most this much time: a late tick is not a bigger step. */
export const MAX_STEP_MS = 1_000;

/**
 * One round of cuts (CUT_HOLD_MS, deepenings included) moves at most this share of a
 * service's traffic onto the other endpoints (the "capped shift"): one broken endpoint
 * of five (a fifth of the traffic) is cut at full speed; three at once move 40% of the
 * traffic per round, which doubles the load of the other two (from 60% to 120% of their
 * capacity at the loop benchmark's load). A tighter cap tried in simulation (the
 * receivers' load up 1.5× at most) kept a heterogeneous service's small backends
 * overloaded for the whole 30 s warm-up; the receivers' headroom (headroom.ts) ends such
 * a shift instead, by an early panic.
 */
export const MAX_SHIFT = 0.4;

/** An endpoint (or service) without a sample for this long is shown as stale. */
export const STALE_AFTER_MS = 3_000;

/**
 * Without samples for max(this, STALE_HOLD_HALF_LIVES × half-life), weights drift back to
 * equal (at the restore speed) and ejections are lifted; until then they hold.
 */
export const STALE_HOLD_MS = 10_000;
export const STALE_HOLD_HALF_LIVES = 5;

/**
 * Ejection time: base × consecutive ejections, capped (Envoy's outlier detection). The cap
 * is short: Envoy's returning host gets its full share at once, so each return of a host
 * still failing costs a share's worth of errors and long ejections save them; weir's
 * returns through slow start from the 1% floor, and one that finds the backend still
 * failing is ejected again within a few calls. With 120 s, a 60 s outage (the loop
 * benchmark's error scenarios) left its third ejection running 30 s: the healed backend
 * was not back within the 30 s after the heal.
 */
export const EJECTION_BASE_MS = 10_000;
export const EJECTION_MAX_MS = 20_000;
/** Consecutive ejections are forgotten after this long without one. */
export const EJECTION_FORGET_MS = 300_000;
/** An ejected endpoint returns once its error ratio is below this fraction of the threshold. */
export const UNEJECT_FRACTION = 0.5;
/**
 * How long an ejected endpoint's last error reading stands when its window holds no call
 * (ejection.ts heldErrorRatio): an ejection's first term, so that an endpoint nothing is
 * heard from returns when it would have.
 */
export const ERROR_READING_HOLD_MS = EJECTION_BASE_MS;

/** The service's baseline (pre-trouble reference, baseline.ts) rises with this half-life... */
export const BASELINE_HALF_LIFE_MS = 60_000;
/** ...and falls with this one. */
export const BASELINE_DOWN_HALF_LIFE_MS = 5_000;

/**
 * A cut endpoint whose cost is still at least this fraction of its episode's peak cost,
 * once its cut has had CUT_HOLD_MS to show, was not relieved by the shift. When such
 * endpoints are a majority and the receivers are loaded, the panic starts at once
 * (panic.ts): a second round of cuts would only push the rest of their traffic onto the
 * loaded few (the loop benchmark's mass degradation, 5 December: the healthy two averaged
 * 1.77× their capacity). With heterogeneous capacities the small backends' readings fall
 * from their peak as the shift relieves them, even while the windows still show the load
 * of before.
 */
export const UNRELIEVED_FRACTION = 0.7;

/** Panic lasts at least this long, so that it does not flap. */
export const PANIC_MIN_MS = 10_000;
/** Slowness must keep a service over the panic threshold this long to start a panic. */
export const PANIC_CONFIRM_MS = 10_000;
/** A panic that only slowness keeps going ends after this long (see panic.ts). */
export const PANIC_MAX_MS = 60_000;
/** After such an end, slowness alone cannot start a panic for this long. */
export const PANIC_COOLDOWN_MS = 30_000;

/** Slow-start aggression (Envoy's `aggression`): 1 is a linear ramp. */
export const SLOW_START_AGGRESSION = 1;

/**
 * With a CPU signal, an endpoint's capacity is its request rate over its CPU (calls a
 * second at 100%; weighted_round_robin's qps / utilisation), which, unlike its latency,
 * does not depend on the load the weight sends it. Its multiplier is capped at its
 * capacity over the largest peer's, with no margin (utilisation.ts): the capacity shares,
 * what the loop benchmark's oracle serves when every backend is needed. A margin of 10%
 * for the estimates' noise let the heterogeneous middle backend rest at 54 (its share is
 * 50), 86% busy against its peers' 72%, where its latency got it cut to 20; without it
 * the benchmark's p99 fell from 228–259 ms to 217–231.
 *
 * Capacities within this fraction of the largest count as equal: no ceiling. Among equal
 * backends the estimates stray (on the loop benchmark the healthy four read 18.3–21.4
 * calls a second at 100%, 0.86 of the largest), and a ceiling would cut one of them on
 * noise. (This, not a margin, is what absorbs the estimates' noise.)
 */
export const CAPACITY_EQUAL = 0.8;
/**
 * Smaller endpoints are capped under their capacity shares: at (capacity over the
 * largest's)^(1 + TAIL_EXPONENT), while that keeps the largest endpoint's utilisation at
 * or under TAIL_MAX_UTILISATION (less of the exponent otherwise; utilisation.ts
 * `tailExponent`). At the same utilisation a backend that serves fewer calls in parallel
 * queues longer. On the loop benchmark's heterogeneous service (capacities 1 : 1 : 2 :
 * 4 : 4, 70% busy) the oracle's static weights at the capacity shares gave the clients a
 * p99 of 220 ms; with the exponent 0.15, 196 ms; 0.3, 186 ms (the large ones 78% busy).
 */
export const TAIL_EXPONENT = 0.3;
export const TAIL_MAX_UTILISATION = 0.8;
/** Under this CPU an endpoint's capacity is not estimated (an idle backend's ratio is noise). */
export const CAPACITY_MIN_CPU = 0.05;
/** A multiplier over its ceiling by more than this fraction is brought down to it. */
export const CAPACITY_HYSTERESIS = 0.05;

/**
 * In panic an endpoint with a deep backlog (inflight.ts `deepBacklog`) is served this
 * share of its split until the backlog is gone. Served its capacity's worth, a queue
 * built before the panic never drains (the calls sent equal the calls answered), and at
 * the load the whole capacity left every call sent to it waits that queue: on the loop
 * benchmark's mass degradation the slow three's queues stood at the 2 s deadline for the
 * whole fault. Drained, the backlog spreads over the endpoints with room.
 */
export const PANIC_DRAIN = 0.5;
/** A drained endpoint stays drained while its calls in flight mean a wait of this many latency targets or more (inflight.ts `drainsNow`). */
export const DRAIN_UNTIL_TARGETS = 1;
/**
 * Without a CPU signal, a slow endpoint limited by the panic's queue split that no longer
 * queues is served its answered rate's share × this a tick: drained, it answers only what
 * it is sent, and the share would stay as low as the drain left it. Sent more than it can
 * take it answers no more, so the share stops a probe's step over its capacity, and the
 * slow queue that grows from there is drained again.
 */
export const QUEUE_PROBE = 1.1;

/** CPU or memory utilisation above this adds a hot-spot penalty to the cost. */
export const HOT_UTILISATION = 0.9;
/** The cost multiplier at 100% utilisation (linear from HOT_UTILISATION). */
export const HOT_PENALTY = 2;

/** The cost multiplier of an endpoint past the threshold of a custom signal. */
export const CUSTOM_PENALTY = 2;

/** Published weights move only when the computed one is this far (relative) from them. */
export const QUANTISE_HYSTERESIS = 0.1;
