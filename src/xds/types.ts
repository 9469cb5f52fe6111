/**
 * The contract between the resource builders (src/xds/resources/) and the versioned
 * cache and ADS server (src/xds/cache/, src/xds/server/). Type URLs live here and
 * nowhere else.
 */
import type { Topology, WeightTable } from '../model/index.js';

export const TYPE_URL = {
  LISTENER: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  ROUTE: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  CLUSTER: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  ENDPOINT: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
} as const;

export type TypeUrl = (typeof TYPE_URL)[keyof typeof TYPE_URL];

/** Every type URL weir serves, in make-before-break push order: CDS → EDS → LDS → RDS. */
export const PUSH_ORDER: readonly TypeUrl[] = [TYPE_URL.CLUSTER, TYPE_URL.ENDPOINT, TYPE_URL.LISTENER, TYPE_URL.ROUTE];

/**
 * Which kind of client a stream serves, recognised from its Node. Resources differ per
 * kind: proxyless gRPC NACKs LEAST_REQUEST and MAGLEV and ignores weights under
 * ROUND_ROBIN, so it is served a policy that honours weights.
 */
export type ClientKind = 'envoy' | 'grpc';

/** One resource, encoded once per version; its bytes are shared by every stream. */
export interface EncodedResource {
  readonly name: string;
  readonly typeUrl: TypeUrl;
  /** The serialized message (the `value` of its google.protobuf.Any). Never mutated. */
  readonly value: Uint8Array;
  /** Hex content hash of `value`: equal hashes mean equal content. */
  readonly hash: string;
}

/** All resources of one client kind: type URL → name → resource. */
export type ResourceSet = ReadonlyMap<TypeUrl, ReadonlyMap<string, EncodedResource>>;

/** Builds every resource for one client kind from the topology and the weights to serve. */
export type BuildResources = (topology: Topology, weights: WeightTable, kind: ClientKind) => ResourceSet;
