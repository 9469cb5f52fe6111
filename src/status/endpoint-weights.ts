/**
 * The EndpointWeights custom resource (weir.dev/v1alpha1): its names, and the pure
 * translation of one service's tick into the resource's status. Deterministic: the
 * same input gives byte-identical JSON.
 */
import type { EndpointWeight, Service, ServiceWeights, SmoothedSignals } from '../model/index.js';

export const EW_GROUP = 'weir.dev';
export const EW_VERSION = 'v1alpha1';
export const EW_PLURAL = 'endpointweights';
export const EW_KIND = 'EndpointWeights';
export const EW_API_VERSION = `${EW_GROUP}/${EW_VERSION}`;

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface EwCondition {
  type: 'Ready' | 'MetricsAvailable';
  status: ConditionStatus;
  reason: string;
  message: string;
  /** RFC 3339; changes only when `status` changes. */
  lastTransitionTime: string;
}

export interface EwEndpointStatus {
  address: string;
  pod?: string;
  zone?: string;
  /** Integer weight served to proxies. */
  weight: number;
  /** Integer weight the engine computed (differs from `weight` in shadow mode). */
  computedWeight: number;
  state: EndpointWeight['state'];
  signals: SmoothedSignals;
  /** Why the weight last changed. */
  reason: string;
  /** RFC 3339, absent if the weight never changed. */
  lastChange?: string;
}

export interface EwStatus {
  /** When the tick that produced this status ran (RFC 3339, ms precision). */
  observedTime: string;
  mode: ServiceWeights['mode'];
  panic: boolean;
  endpointCount: number;
  ejectedCount: number;
  /** Largest served weight over the smallest among endpoints not ejected (1 when equal), two decimals. */
  spread: number;
  lastChange?: string;
  conditions: EwCondition[];
  endpoints: EwEndpointStatus[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Round to 4 significant digits: status is for people, and noise would cause writes. */
function round(v: number): number {
  return v === 0 || !Number.isFinite(v) ? v : Number(v.toPrecision(4));
}

function roundSignals(s: SmoothedSignals): SmoothedSignals {
  const out: { -readonly [K in keyof SmoothedSignals]: SmoothedSignals[K] } = {};
  for (const k of ['latencyMs', 'errorRatio', 'requestRate', 'cpu', 'memory'] as const) {
    const v = s[k];
    if (v !== undefined) out[k] = round(v);
  }
  // 0 is "no estimate" (feedback/state.ts): absent rather than a capacity of nothing.
  if (s.capacity !== undefined && s.capacity > 0) out.capacity = round(s.capacity);
  if (s.custom && Object.keys(s.custom).length > 0) {
    out.custom = Object.fromEntries(
      Object.keys(s.custom)
        .sort()
        .map((k) => [k, round(s.custom![k]!)]),
    );
  }
  return out;
}

/**
 * The status of one service after a tick. `previous` conditions keep their transition
 * times when their status did not change.
 */
export function buildStatus(weights: ServiceWeights, service: Service | undefined, at: number, previous?: readonly EwCondition[]): EwStatus {
  const byAddress = new Map((service?.endpoints ?? []).map((e) => [e.address, e]));
  const endpoints = [...weights.endpoints]
    .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0))
    .map((w): EwEndpointStatus => {
      const ep = byAddress.get(w.address);
      return {
        address: w.address,
        ...(ep?.pod ? { pod: ep.pod } : {}),
        ...(ep?.zone ? { zone: ep.zone } : {}),
        weight: w.served,
        computedWeight: w.weight,
        state: w.state,
        signals: roundSignals(w.signals),
        reason: w.reason,
        ...(w.changedAt > 0 ? { lastChange: iso(w.changedAt) } : {}),
      };
    });
  // Ejected endpoints keep a token weight: the spread is of the endpoints in rotation.
  const served = endpoints.filter((e) => e.state !== 'ejected').map((e) => e.weight);
  const spread = served.length === 0 ? 1 : Math.round((Math.max(...served) / Math.max(1, Math.min(...served))) * 100) / 100;
  const ready = endpoints.some((e) => e.state !== 'ejected') && (service?.endpoints.some((e) => e.ready) ?? true);
  const conditions: EwCondition[] = [
    condition(
      'Ready',
      ready ? 'True' : 'False',
      ready ? 'WeightsServed' : 'NoReadyEndpoints',
      ready ? `serving weights to ${endpoints.length} endpoint(s)` : 'no ready endpoint to serve',
      at,
      previous,
    ),
    condition(
      'MetricsAvailable',
      weights.metricsAvailable ? 'True' : 'False',
      weights.metricsAvailable ? 'SignalsFresh' : 'MetricsUnavailable',
      weights.metricsAvailable ? 'signals were read this tick' : 'no signals this tick: weights hold (stale data never counts as bad)',
      at,
      previous,
    ),
  ];
  return {
    observedTime: iso(at),
    mode: weights.mode,
    panic: weights.panic,
    endpointCount: endpoints.length,
    ejectedCount: endpoints.filter((e) => e.state === 'ejected').length,
    spread,
    ...(weights.changedAt > 0 ? { lastChange: iso(weights.changedAt) } : {}),
    conditions,
    endpoints,
  };
}

function condition(
  type: EwCondition['type'],
  status: ConditionStatus,
  reason: string,
  message: string,
  at: number,
  previous: readonly EwCondition[] | undefined,
): EwCondition {
  const before = previous?.find((c) => c.type === type);
  const lastTransitionTime = before && before.status === status ? before.lastTransitionTime : iso(at);
  return { type, status, reason, message, lastTransitionTime };
}

/**
 * What makes a status write worth it: served weights, states, mode, panic and what the
 * conditions depend on. Signals and times alone do not (they are refreshed on a slower
 * timer). Built straight from the tick's input, without building the status: the
 * writer checks this for every service on every tick.
 */
export function meaningfulKey(weights: ServiceWeights, service: Service | undefined): string {
  let key = `${weights.mode}|${weights.panic}|${weights.metricsAvailable}|${service?.endpoints.some((e) => e.ready) ?? true}`;
  for (const e of weights.endpoints) key += `|${e.address}=${e.served}:${e.state}`;
  return key;
}

/** Everything but the observation time: a write with only a new time is never needed. */
export function contentFingerprint(status: EwStatus): string {
  return JSON.stringify({ ...status, observedTime: '' });
}
