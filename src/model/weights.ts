import type { EndpointSample } from './samples.js';
import type { Mode } from './service.js';

/** The largest weight Envoy accepts in a sum (per locality and per priority). */
export const MAX_WEIGHT_SUM = 4_294_967_295;

/** What the engine thinks of an endpoint. */
export type EndpointState = 'healthy' | 'degraded' | 'ejected' | 'slow-start' | 'stale';

/**
 * Smoothed signals of an endpoint, as reported: the same fields and units as a raw sample,
 * and with a CPU signal the capacity estimate (successful calls a second at 100% CPU;
 * absent or 0: none).
 */
export type SmoothedSignals = EndpointSample & { readonly capacity?: number };

/** One endpoint's outcome of a tick. */
export interface EndpointWeight {
  readonly address: string;
  /** Integer weight in [1, 2^32-1] computed by the engine. */
  readonly weight: number;
  /** Integer weight actually served (equal to `weight` in enforce mode, equal weights in shadow). */
  readonly served: number;
  readonly state: EndpointState;
  readonly signals: SmoothedSignals;
  /** Why the weight last changed, in words a person can read. */
  readonly reason: string;
  /** When the weight last changed, ms since the epoch (0 if never). */
  readonly changedAt: number;
}

/** One service's outcome of a tick. */
export interface ServiceWeights {
  readonly serviceId: string;
  readonly mode: Mode;
  readonly panic: boolean;
  /** Sorted by address. */
  readonly endpoints: readonly EndpointWeight[];
  /** When any weight of the service last changed, ms since the epoch (0 if never). */
  readonly changedAt: number;
  /** Whether signals were available this tick. */
  readonly metricsAvailable: boolean;
}

/**
 * The weights to serve: serviceId → endpoint address → integer weight ≥ 1. An endpoint
 * or service absent from the table is served with weight 1 (equal weights).
 */
export type WeightTable = ReadonlyMap<string, ReadonlyMap<string, number>>;

export type DecisionKind =
  | 'shift'
  | 'eject'
  | 'restore'
  | 'slow-start'
  | 'panic-enter'
  | 'panic-exit'
  | 'stale'
  | 'stale-reset';

/** One change the engine made and why: logged, counted, turned into Events. */
export interface Decision {
  readonly serviceId: string;
  readonly kind: DecisionKind;
  /** The endpoint concerned, absent for service-wide decisions (panic). */
  readonly endpoint?: string;
  readonly from?: number;
  readonly to?: number;
  readonly reason: string;
}
