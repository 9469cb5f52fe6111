/**
 * buildResources: Topology + WeightTable + client kind → every resource of that kind,
 * encoded. Memoised per cluster on the inputs that shape each resource, so a rebuild
 * after a change re-encodes only what changed (a weight change: one assignment).
 */
import { clusterName, serviceId, type Service, type ServicePort, type Topology, type WeightTable } from '../../model/index.js';
import { encodeCluster, encodeClusterLoadAssignment, encodeListener, encodeRouteConfiguration } from '../proto/index.js';
import { TYPE_URL, type BuildResources, type ClientKind, type EncodedResource, type ResourceSet, type TypeUrl } from '../types.js';
import { buildCluster } from './cluster.js';
import { toEncodedResource } from './encode.js';
import { buildClusterLoadAssignment } from './endpoints.js';
import { buildListener, buildRouteConfiguration } from './listener.js';
import { toServedWeight } from './weights.js';

/** What was built for one cluster name, with the inputs it was built from. */
interface Entry {
  /** The inputs by identity: the same objects again need no signature at all. */
  readonly service: Service;
  readonly port: ServicePort;
  readonly weights: ReadonlyMap<string, number> | undefined;
  readonly lbPolicy: string;
  readonly cluster: EncodedResource;
  /** Everything the assignment depends on, as one string (see endpointsSignature). */
  readonly endpointsSignature: string;
  readonly assignment: EncodedResource;
  readonly listener: EncodedResource | undefined;
  readonly route: EncodedResource | undefined;
}

/**
 * The inputs of one assignment as a string: equal strings, equal assignment. Building
 * it costs a fraction of encoding and hashing the assignment.
 */
function endpointsSignature(service: Service, port: ServicePort, weights: ReadonlyMap<string, number> | undefined): string {
  let signature = port.name;
  for (const e of service.endpoints) {
    const portNumber = e.ports[port.name];
    if (portNumber === undefined) {
      continue;
    }
    const flags = (e.ready ? 1 : 0) | (e.serving ? 2 : 0) | (e.terminating ? 4 : 0);
    signature += `|${e.address},${portNumber},${e.zone},${flags},${e.pod ?? ''},${toServedWeight(weights?.get(e.address))}`;
  }
  return signature;
}

function buildEntry(
  name: string,
  service: Service,
  port: ServicePort,
  weights: ReadonlyMap<string, number> | undefined,
  kind: ClientKind,
  previous: Entry | undefined,
): Entry {
  // Topologies and weight tables are immutable, so unchanged parts usually come back as
  // the very same objects: the cheapest possible check first.
  if (previous !== undefined && previous.service === service && previous.port === port && previous.weights === weights) {
    return previous;
  }
  const lbPolicy = service.policy.lbPolicy;
  const signature = endpointsSignature(service, port, weights);
  if (previous !== undefined && previous.lbPolicy === lbPolicy && previous.endpointsSignature === signature) {
    return { ...previous, service, port, weights };
  }
  const cluster =
    previous !== undefined && previous.lbPolicy === lbPolicy
      ? previous.cluster
      : toEncodedResource(name, TYPE_URL.CLUSTER, encodeCluster(buildCluster(name, lbPolicy, kind)));
  const assignment =
    previous !== undefined && previous.endpointsSignature === signature
      ? previous.assignment
      : toEncodedResource(
          name,
          TYPE_URL.ENDPOINT,
          encodeClusterLoadAssignment(buildClusterLoadAssignment(name, service, port, weights, kind)),
        );
  // Envoy is served no listeners or routes: its listeners are its own (static, in the
  // bootstrap), and Envoy rejects an api_listener arriving over LDS.
  const withListener = kind === 'grpc';
  const listener = !withListener
    ? undefined
    : (previous?.listener ?? toEncodedResource(name, TYPE_URL.LISTENER, encodeListener(buildListener(name))));
  const route = !withListener
    ? undefined
    : (previous?.route ?? toEncodedResource(name, TYPE_URL.ROUTE, encodeRouteConfiguration(buildRouteConfiguration(name))));
  return { service, port, weights, lbPolicy, cluster, endpointsSignature: signature, assignment, listener, route };
}

/** Served ports: TCP only (Envoy clusters and gRPC channels carry TCP; UDP/SCTP ports are skipped). */
function servedPorts(service: Service): readonly ServicePort[] {
  return service.ports.filter((p) => p.protocol === 'TCP');
}

/**
 * A BuildResources with its own memo (one per client kind, holding the clusters of the
 * latest build only, so it never outgrows the topology). Results are identical to a
 * build from scratch; unchanged resources come back as the very same objects, which lets
 * a cache compare by identity before comparing hashes.
 *
 * The ResourceSet always holds all four type URLs; each inner map is in name order.
 * For kind 'envoy' the Listener and RouteConfiguration maps are empty.
 */
export function createResourceBuilder(): BuildResources {
  const memo = new Map<ClientKind, Map<string, Entry>>();

  return (topology: Topology, weights: WeightTable, kind: ClientKind): ResourceSet => {
    const previous = memo.get(kind);
    const next = new Map<string, Entry>();
    for (const service of topology.services.values()) {
      const serviceWeights = weights.get(serviceId(service.key));
      for (const port of servedPorts(service)) {
        const name = clusterName(service.key, port.port);
        next.set(name, buildEntry(name, service, port, serviceWeights, kind, previous?.get(name)));
      }
    }
    memo.set(kind, next);

    const names = [...next.keys()].sort();
    const byType = new Map<TypeUrl, Map<string, EncodedResource>>([
      [TYPE_URL.CLUSTER, new Map()],
      [TYPE_URL.ENDPOINT, new Map()],
      [TYPE_URL.LISTENER, new Map()],
      [TYPE_URL.ROUTE, new Map()],
    ]);
    for (const name of names) {
      const entry = next.get(name)!;
      byType.get(TYPE_URL.CLUSTER)!.set(name, entry.cluster);
      byType.get(TYPE_URL.ENDPOINT)!.set(name, entry.assignment);
      if (entry.listener !== undefined && entry.route !== undefined) {
        byType.get(TYPE_URL.LISTENER)!.set(name, entry.listener);
        byType.get(TYPE_URL.ROUTE)!.set(name, entry.route);
      }
    }
    return byType;
  };
}

/**
 * Builds every resource weir serves to clients of `kind` (see {@link createResourceBuilder}
 * for the shape). A process-wide memoising instance: call it on every change; identical
 * inputs cost a signature comparison per cluster, not an encoding.
 */
export const buildResources: BuildResources = createResourceBuilder();
