/**
 * The engine's memory between ticks. Plain, serialisable data (numbers, strings,
 * booleans, arrays, records keyed by serviceId): the loop keeps it opaque and hands it
 * back on the next tick; tests and snapshots may JSON it.
 */

/** Smoothed signals of one endpoint (units as in EndpointSample); absent = no data yet. */
export interface SmoothedMemory {
  readonly latencyMs?: number;
  readonly errorRatio?: number;
  readonly requestRate?: number;
  readonly cpu?: number;
  readonly memory?: number;
  /**
   * Successful calls a second at 100% CPU (utilisation.ts): each sample's calls answered
   * without error over its CPU, both from the same window, smoothed (falling faster than
   * rising); 0 or absent: none (idle, or no CPU signal). Read it through utilisation.ts
   * `capacityOf`.
   */
  readonly capacity?: number;
  readonly custom?: Readonly<Record<string, number>>;
}

/**
 * What the engine remembers about one endpoint of one service: one row of
 * `ServiceMemory.endpoints`, and the shape of the tick's working copy.
 */
export interface EndpointMemory {
  /** The endpoint's address. */
  readonly address: string;
  /** Whether the endpoint had a usable sample at its last tick. */
  readonly current: boolean;
  /** When the engine first saw the endpoint, ms since the epoch. */
  readonly firstSeenAt: number;
  /** Whether the endpoint was ready at the last tick (not-ready → ready starts a slow start). */
  readonly ready: boolean;
  readonly signals: SmoothedMemory;
  /** `Samples.at` of the last sample folded into `signals`; 0 when none. */
  readonly sampleAt: number;
  /** `now` of the last tick that brought this endpoint a sample; 0 when never. */
  readonly lastDataAt: number;
  /** `now` of the first tick that brought this endpoint a usable latency; 0 when never. */
  readonly firstLatencyAt: number;
  /** `Samples.at` of the last usable latency, and of the last usable error ratio; 0 when never. */
  readonly latencyAt: number;
  readonly errorsAt: number;
  /**
   * The endpoint's typical standing among its peers: its cost over the reference,
   * smoothed in log terms with NOISE_TYPICAL_HALF_LIFE_MS; 0 before any. How far a
   * reading strays from it is the noise that widens the cut band.
   */
  readonly typicalRatio: number;
  /**
   * The controller's multiplier of the fair share, in [floor, 1]: what the signals alone
   * ask for, before slow start, ejection, staleness and panic.
   */
  readonly control: number;
  /** The control value the last cut started from (1 when never cut): restores slow down near it. */
  readonly cutFrom: number;
  /**
   * The lowest control the cuts since `cutFrom` reached (1 when never cut). Restores run
   * fast only up to the geometric middle of the two: trouble was seen at `cutFrom`, all
   * was well down here.
   */
  readonly episodeLow: number;
  /**
   * The highest cost (ms) read since the current episode began; 0 before any. A cut
   * endpoint still near it when its cut has had the time to show was not relieved by
   * the shift (panic.ts). The cost, not the standing: loaded receivers raise the
   * reference, and the standings of the endpoints cut fall with it while nothing got
   * better for them.
   */
  readonly episodePeak: number;
  /** The control the last full cut started from, which a deepening is measured from; 0: none. */
  readonly deepenFrom: number;
  /** Until when the last full cut may be deepened; 0: not. */
  readonly deepenUntil: number;
  /** Whether the endpoint looked good (within the restore band) since its last cut (true when never cut). */
  readonly goodSinceCut: boolean;
  /**
   * Whether the endpoint read within the cut band (no trouble) since its last cut, or since
   * it was first seen, at a weight it had been served for PROVEN_AFTER_MS at least, with
   * latency readings for as long.
   */
  readonly fineSinceCut: boolean;
  /**
   * Whether the current episode began at a level the endpoint had been fine at (it read
   * within the cut band before the episode's first cut, once the level had been served,
   * and read, for PROVEN_AFTER_MS). An endpoint in trouble from its first readings, at the level
   * weir's first tick gave it, began its episode at a level that says nothing of its
   * capacity: its restore knee is never forgotten.
   */
  readonly episodeProven: boolean;
  /** When the current episode of cuts began (its first cut); 0 when never cut. */
  readonly episodeAt: number;
  /** The effective multiplier served at the last tick (after every cap), in (0, 1]. */
  readonly effective: number;
  /** The integer weight published at the last tick (quantised `effective`). */
  readonly published: number;
  /** `now` of the last cut by the controller; 0 when never (restores wait after a cut). */
  readonly lastCutAt: number;
  readonly ejected: boolean;
  /** When the current (or last) ejection began; 0 when never. */
  readonly ejectedAt: number;
  /** Consecutive ejections, for the growing ejection time (as Envoy's outlier detection). */
  readonly ejections: number;
  /** Start of the current slow start; 0 when not in slow start. */
  readonly slowStartAt: number;
  /** Reason for the last change of `published`. */
  readonly reason: string;
  /** When `published` last changed; 0 when never. */
  readonly changedAt: number;
  /**
   * The time of the sample that first showed the endpoint holding calls with none
   * answered in the window (inflight.ts, the stuck rule); 0 when the last one did not.
   */
  readonly unansweredAt: number;
}

/**
 * The memory of a service's endpoints stored by column: one array per field of
 * EndpointMemory, all of the same length and indexed alike, rows sorted by address
 * (`control[i]` is the control of `address[i]`). Why columns: an array of numbers holds
 * its doubles unboxed, so a service's memory is a few dozen objects however many
 * endpoints it has; an object per endpoint (each number boxed) made allocating and
 * collecting the state most of the cost of a tick over 10,000 endpoints.
 */
export type EndpointColumns = { readonly [K in keyof EndpointMemory]: readonly EndpointMemory[K][] };

/** Whether a service's signals are fresh, held (stale) or being reset to equal weights. */
export type Freshness = 'fresh' | 'stale' | 'reset';

/** What the engine remembers about one service. */
export interface ServiceMemory {
  /** `now` of the service's first tick. */
  readonly createdAt: number;
  /** `now` of the last tick; the control step scales with `now − lastTickAt`. */
  readonly lastTickAt: number;
  /** `now` of the last tick that brought any sample for the service; 0 when never. */
  readonly lastFreshAt: number;
  readonly freshness: Freshness;
  /**
   * The service's reference cost before trouble, in ms (0: none yet): follows the
   * reference down with BASELINE_DOWN_HALF_LIFE_MS, up with BASELINE_HALF_LIFE_MS
   * (baseline.ts). Panic and the receivers' headroom judge against it.
   */
  readonly baselineMs: number;
  /**
   * The service's noise: how far the endpoints' standings stray from their typical ones
   * in log terms (the median over the endpoints, squared), smoothed with
   * NOISE_HALF_LIFE_MS; 0 before any. It widens the cut band.
   */
  readonly noiseVar: number;
  /**
   * The median cost over the baseline of the endpoints not cut, at the last fresh tick
   * (headroom.ts); 0 when unknown. Over RECEIVERS_LOADED the receivers of a shift are
   * near capacity.
   */
  readonly receiversStanding: number;
  /** When the current round of cuts began (its first cut), and the share of the traffic it moved; 0: none. */
  readonly roundAt: number;
  readonly roundMoved: number;
  readonly panic: boolean;
  /** When the current panic began; 0 when not in panic. */
  readonly panicSince: number;
  /** Until when slowness alone cannot start a panic (after a panic that lasted too long); 0: none. */
  readonly cooldownUntil: number;
  /** Since when slowness has kept the service over the panic threshold; 0: not over. */
  readonly overSince: number;
  /** When any published weight of the service last changed; 0 when never. */
  readonly changedAt: number;
  /** Every endpoint of the topology at the last tick, ready or not. */
  readonly endpoints: EndpointColumns;
}

/** The engine's whole memory. */
export interface EngineState {
  /** 2: endpoints stored by column (1 had an object per endpoint). */
  readonly version: 2;
  readonly services: Readonly<Record<string, ServiceMemory>>;
}

/** The state before the first tick. */
export const INITIAL_ENGINE_STATE: EngineState = Object.freeze({ version: 2, services: Object.freeze({}) });
