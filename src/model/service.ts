/**
 * The shared vocabulary of services and endpoints. Plain data, no I/O: every layer
 * imports these, and they import nothing.
 */

/** Identifies a Kubernetes-style Service. */
export interface ServiceKey {
  readonly namespace: string;
  readonly name: string;
}

/** `namespace/name`: the key used in maps and in /api/weights. */
export function serviceId(key: ServiceKey): string {
  return `${key.namespace}/${key.name}`;
}

/**
 * The xDS name of Service port `port` of Service `key` (DESIGN.md "Names on the wire"):
 * `S.N:P`, used for the Envoy cluster and, for proxyless gRPC, the listener.
 */
export function clusterName(key: ServiceKey, port: number): string {
  return `${key.name}.${key.namespace}:${port}`;
}

/** A port of a Service. Endpoints name the port they serve it on by `name`. */
export interface ServicePort {
  /** The port's name; '' for the single unnamed port of a Service. */
  readonly name: string;
  /** The Service port number, 1..65535: the `P` in `S.N:P`. */
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
}

/** One backend of a Service (a pod address), shared by all the Service's ports. */
export interface Endpoint {
  /** IPv4 or IPv6 literal. Unique within a Service: it is the endpoint's identity. */
  readonly address: string;
  /** Port number per Service port name (the EndpointSlice port). */
  readonly ports: Readonly<Record<string, number>>;
  /** Pod name, when known: how Prometheus series are joined to the endpoint. */
  readonly pod?: string;
  /** Topology zone; '' when unknown. Endpoints are grouped into localities by zone. */
  readonly zone: string;
  /** Ready for new traffic. */
  readonly ready: boolean;
  /** Able to serve (may be true while terminating: drained, not dropped at once). */
  readonly serving: boolean;
  readonly terminating: boolean;
}

/** Load-balancing policy a Service asks for (`weir.dev/lb-policy`). */
export type LbPolicy = 'least-request' | 'round-robin' | 'ring-hash' | 'maglev';

/** `enforce` serves computed weights; `shadow` computes and reports them but serves equal weights. */
export type Mode = 'enforce' | 'shadow';

/**
 * The per-Service knobs, parsed and bounded from `weir.dev/*` annotations. Units are in
 * the names; every field always holds a valid value (defaults where the annotation is
 * absent or bad).
 */
export interface ServicePolicy {
  readonly mode: Mode;
  readonly profile: string;
  readonly lbPolicy: LbPolicy;
  /** Latency at which an endpoint starts to count as slow, in ms. */
  readonly latencyTargetMs: number;
  /** Error ratio (0..1) above which an endpoint is a candidate for ejection. */
  readonly errorThreshold: number;
  /** Half-life of the exponential smoothing of signals, in ms. */
  readonly halfLifeMs: number;
  /** Smallest share of its fair share an endpoint keeps (0..1), so recovery can be seen. */
  readonly weightFloor: number;
  /** Largest relative weight increase per tick (0..1); cuts may be faster. */
  readonly maxStep: number;
  /** Share of endpoints (0..1) that, when degraded, switches the service to panic (equal weights, or by capacity with a CPU signal). */
  readonly panicThreshold: number;
  /** Largest share of endpoints (0..1) that may be ejected at once. */
  readonly maxEjection: number;
  /** Slow-start window for new and recovering endpoints, in ms. */
  readonly slowStartMs: number;
}

/** One problem with one annotation: the knob keeps its default. */
export interface AnnotationProblem {
  readonly annotation: string;
  readonly value: string;
  readonly reason: string;
}

/** A Service that opted in, as discovery sees it. */
export interface Service {
  readonly key: ServiceKey;
  /** Kubernetes UID when discovered from the API server (owner references need it). */
  readonly uid?: string;
  readonly ports: readonly ServicePort[];
  /** Sorted by address; unique by address. */
  readonly endpoints: readonly Endpoint[];
  readonly policy: ServicePolicy;
  /** Annotation problems found while parsing `policy`, to be reported. */
  readonly problems: readonly AnnotationProblem[];
  /** Problems with the objects the endpoints came from (e.g. EndpointSlices): skipped parts, to be reported. */
  readonly sourceProblems?: readonly EndpointSourceProblem[];
}

/** A malformed part of an object that feeds a Service (skipped; everything else is kept). */
export interface EndpointSourceProblem {
  /** The object, e.g. `EndpointSlice default/web-abcde`. */
  readonly object: string;
  readonly reason: string;
}

/**
 * Everything discovery knows: the opted-in Services by `serviceId`. Immutable: a change
 * produces a new Topology.
 */
export interface Topology {
  readonly services: ReadonlyMap<string, Service>;
}

export const EMPTY_TOPOLOGY: Topology = Object.freeze({ services: new Map() });
