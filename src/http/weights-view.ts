/**
 * The JSON view of a loop report served at `/api/weights` and pushed to the dashboard.
 * A pure converter: identical reports give byte-identical JSON (services sorted by id,
 * endpoints by address, object keys in a fixed order).
 */
import type { LoopReport } from '../control/ports.js';
import {
  clusterName,
  type EndpointState,
  type Mode,
  type Service,
  type ServiceWeights,
  type SmoothedSignals,
} from '../model/index.js';

/** One problem shown with a service: a bad annotation, or something the loop noticed. */
export interface ProblemView {
  /** `annotation`: a `weir.dev/*` value that did not parse (the knob kept its default); `loop`: a loop notice. */
  readonly source: 'annotation' | 'loop';
  /** A sentence a person can read. */
  readonly message: string;
  readonly annotation?: string;
  readonly value?: string;
}

/** One endpoint of a service as `/api/weights` shows it. */
export interface EndpointView {
  readonly address: string;
  /** Pod name, '' when unknown. */
  readonly pod: string;
  /** Topology zone, '' when unknown. */
  readonly zone: string;
  /** Integer weight computed by the engine. */
  readonly weight: number;
  /** Integer weight actually served (equal weights in shadow mode). */
  readonly served: number;
  /** `served` over the sum of the service's served weights, 0..1 (rounded to 4 decimals). */
  readonly share: number;
  readonly state: EndpointState;
  /** Smoothed signals (latencyMs in ms, errorRatio 0..1, requestRate per second, cpu and memory 0..1). */
  readonly signals: SmoothedSignals;
  /** Why the weight last changed. */
  readonly reason: string;
  /** When the weight last changed, ms since the epoch (0 if never). */
  readonly changedAt: number;
}

/** One service as `/api/weights` shows it. */
export interface ServiceView {
  /** `namespace/name`. */
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  /** xDS cluster names `S.N:P`, one per Service port, sorted. */
  readonly clusters: readonly string[];
  readonly mode: Mode;
  readonly lbPolicy: string;
  readonly panic: boolean;
  readonly metricsAvailable: boolean;
  /** When any weight last changed, ms since the epoch (0 if never). */
  readonly changedAt: number;
  readonly problems: readonly ProblemView[];
  /** Sorted by address. */
  readonly endpoints: readonly EndpointView[];
}

/** The whole `/api/weights` document. */
export interface WeightsView {
  /** When the report's tick ran, ms since the epoch; null before the first tick. */
  readonly at: number | null;
  /** Sorted by id. */
  readonly services: readonly ServiceView[];
}

/** The document served before the loop has reported anything. */
export const EMPTY_WEIGHTS_VIEW: WeightsView = Object.freeze({ at: null, services: Object.freeze([]) });

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

/** Copy the signals with keys in a fixed order, dropping absent and non-finite values. */
function toSignalsView(signals: SmoothedSignals): SmoothedSignals {
  const out: Record<string, unknown> = {};
  for (const key of ['latencyMs', 'errorRatio', 'requestRate', 'cpu', 'memory'] as const) {
    const v = signals[key];
    if (typeof v === 'number' && Number.isFinite(v)) out[key] = v;
  }
  if (signals.custom) {
    const custom: Record<string, number> = {};
    for (const name of Object.keys(signals.custom).sort(compare)) {
      const v = signals.custom[name];
      if (typeof v === 'number' && Number.isFinite(v)) custom[name] = v;
    }
    if (Object.keys(custom).length > 0) out['custom'] = custom;
  }
  return out as SmoothedSignals;
}

function toProblemViews(service: Service | undefined, notices: readonly string[]): ProblemView[] {
  const problems: ProblemView[] = [];
  for (const p of service?.problems ?? []) {
    problems.push({
      source: 'annotation',
      message: `${p.annotation}: ${JSON.stringify(p.value)} ${p.reason}`,
      annotation: p.annotation,
      value: p.value,
    });
  }
  for (const message of notices) problems.push({ source: 'loop', message });
  return problems;
}

function splitId(id: string): { namespace: string; name: string } {
  const slash = id.indexOf('/');
  return slash < 0 ? { namespace: '', name: id } : { namespace: id.slice(0, slash), name: id.slice(slash + 1) };
}

function toServiceView(
  id: string,
  weights: ServiceWeights | undefined,
  service: Service | undefined,
  notices: readonly string[],
): ServiceView {
  const key = service?.key ?? splitId(id);
  const byAddress = new Map((service?.endpoints ?? []).map((e) => [e.address, e]));
  const endpointWeights = [...(weights?.endpoints ?? [])].sort((a, b) => compare(a.address, b.address));
  const servedSum = endpointWeights.reduce((sum, e) => sum + e.served, 0);
  const clusters = (service?.ports ?? []).map((p) => clusterName(key, p.port)).sort(compare);
  return {
    id,
    namespace: key.namespace,
    name: key.name,
    clusters,
    mode: weights?.mode ?? service?.policy.mode ?? 'enforce',
    lbPolicy: service?.policy.lbPolicy ?? '',
    panic: weights?.panic ?? false,
    metricsAvailable: weights?.metricsAvailable ?? false,
    changedAt: weights?.changedAt ?? 0,
    problems: toProblemViews(service, notices),
    endpoints: endpointWeights.map((e) => {
      const endpoint = byAddress.get(e.address);
      return {
        address: e.address,
        pod: endpoint?.pod ?? '',
        zone: endpoint?.zone ?? '',
        weight: e.weight,
        served: e.served,
        share: servedSum > 0 ? round4(e.served / servedSum) : 0,
        state: e.state,
        signals: toSignalsView(e.signals),
        reason: e.reason,
        changedAt: e.changedAt,
      };
    }),
  };
}

/**
 * Build the `/api/weights` view of `report` (or the empty view when there is none yet).
 * Services are those with weights or in the topology, sorted by id; problems list the
 * annotation problems of the topology first, then the loop's notices.
 */
export function toWeightsView(report: LoopReport | undefined): WeightsView {
  if (!report) return EMPTY_WEIGHTS_VIEW;
  const ids = new Set<string>([...report.services.keys(), ...report.topology.services.keys()]);
  const services = [...ids]
    .sort(compare)
    .map((id) =>
      toServiceView(id, report.services.get(id), report.topology.services.get(id), report.notices.get(id) ?? []),
    );
  return { at: report.at, services };
}
