/**
 * The ClusterLoadAssignment weir serves for one Service port.
 */
import type { Endpoint, Service, ServicePort } from '../../model/index.js';
import { MAX_WEIGHT_SUM } from '../../model/index.js';
import {
  HEALTH_STATUS,
  type ClusterLoadAssignmentMsg,
  type LbEndpointMsg,
  type LocalityLbEndpointsMsg,
  type ValuesOf,
} from '../proto/index.js';
import type { ClientKind } from '../types.js';
import { MAX_GRPC_WEIGHT_SUM, fitWeights, toServedWeight } from './weights.js';

/** An endpoint that will be served, with its port number, health and weight. */
interface ServedEndpoint {
  readonly endpoint: Endpoint;
  readonly port: number;
  readonly health: ValuesOf<typeof HEALTH_STATUS>;
  weight: number;
}

/**
 * The health weir reports for an endpoint, or undefined to leave it out:
 * - ready → HEALTHY;
 * - not ready but serving while terminating → DRAINING. Envoy takes a DRAINING host out
 *   of load balancing for new requests but keeps the host (and its open connections)
 *   until it is gone, which is what a pod in its termination grace period wants; gRPC
 *   skips it. Omitting it instead would make Envoy drop the host at once. When fewer
 *   than half the hosts are HEALTHY, Envoy's panic mode (default threshold 50%) sends
 *   to DRAINING hosts too: they still serve, which beats failing requests.
 *   (A gRPC client whose endpoints are all DRAINING has none to call.)
 * - anything else (starting, failing its readiness probe) → left out.
 */
function healthOf(endpoint: Endpoint): ValuesOf<typeof HEALTH_STATUS> | undefined {
  if (endpoint.ready) {
    return HEALTH_STATUS.HEALTHY;
  }
  if (endpoint.serving && endpoint.terminating) {
    return HEALTH_STATUS.DRAINING;
  }
  return undefined;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sort key: zone, then address. Addresses are unique within a Service. */
function compareEndpoints(a: ServedEndpoint, b: ServedEndpoint): number {
  return compareStrings(a.endpoint.zone, b.endpoint.zone) || compareStrings(a.endpoint.address, b.endpoint.address);
}

function toLbEndpoint(served: ServedEndpoint): LbEndpointMsg {
  const { endpoint } = served;
  return {
    endpoint: {
      address: { socket_address: { address: endpoint.address, port_value: served.port } },
      ...(endpoint.pod === undefined || endpoint.pod === '' ? {} : { hostname: endpoint.pod }),
    },
    health_status: served.health,
    load_balancing_weight: { value: served.weight },
  };
}

function locality(members: readonly ServedEndpoint[], locality: LocalityLbEndpointsMsg['locality']): LocalityLbEndpointsMsg {
  let sum = 0;
  for (const m of members) {
    sum += m.weight;
  }
  return { locality, lb_endpoints: members.map(toLbEndpoint), load_balancing_weight: { value: sum } };
}

/**
 * Endpoints (sorted by zone, then address) grouped by zone and weight: the groups by zone,
 * then by weight from the highest, each in address order.
 */
function byZoneAndWeight(served: readonly ServedEndpoint[]): ServedEndpoint[][] {
  const groups = new Map<string, ServedEndpoint[]>();
  for (const s of served) {
    const key = `${s.endpoint.zone}\u0000${s.weight}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [s]);
    else group.push(s);
  }
  return [...groups.values()].sort((a, b) => {
    const za = a[0]!.endpoint.zone;
    const zb = b[0]!.endpoint.zone;
    if (za !== zb) return za < zb ? -1 : 1;
    return b[0]!.weight - a[0]!.weight;
  });
}

/**
 * The ClusterLoadAssignment `name` for Service port `port` of `service`.
 *
 * Contract (XDS.md "What we send"):
 * - `cluster_name` is `name`; a port with no servable endpoint gets an assignment with
 *   no localities, never nothing (an omitted assignment would keep the old hosts);
 * - only endpoints that serve the port (by the port's name) are included;
 * - every LbEndpoint has an integer weight ≥ 1 (`weights[address]`, default 1) and every
 *   LocalityLbEndpoints a locality and a weight equal to its endpoints' sum; all weights
 *   are scaled down together if needed so that every sum fits the client's limit
 *   (2^32-1 for Envoy, 2^31-1 for gRPC);
 * - localities are sorted by zone (for gRPC then by weight, highest first), endpoints by
 *   zone, then address: equal input, equal bytes.
 *
 * Localities: Envoy gets one locality per zone. Proxyless gRPC gets one locality per
 * zone and weight (`sub_zone` = `weight-W`), because its ROUND_ROBIN weighs localities
 * but not endpoints (see ./cluster.ts): it picks a locality at random by its weight (the
 * sum of its endpoints'), then rotates over the locality's endpoints, so each endpoint
 * gets exactly its weight's share. Grouping equal weights (rather than one locality per
 * endpoint) keeps the rotation: with one locality each, every call was a weighted coin
 * toss, and at 75% load four healthy 2-slot backends queued far more under random picks
 * than under a rotation (the loop benchmark: 340–415 ms p99 against round robin's 175–190
 * ms). Everything sits at priority 0.
 */
export function buildClusterLoadAssignment(
  name: string,
  service: Service,
  port: ServicePort,
  weights: ReadonlyMap<string, number> | undefined,
  kind: ClientKind,
): ClusterLoadAssignmentMsg {
  const served: ServedEndpoint[] = [];
  for (const endpoint of service.endpoints) {
    const portNumber = endpoint.ports[port.name];
    const health = healthOf(endpoint);
    if (portNumber === undefined || health === undefined) {
      continue;
    }
    served.push({ endpoint, port: portNumber, health, weight: toServedWeight(weights?.get(endpoint.address)) });
  }
  served.sort(compareEndpoints);

  const fitted = fitWeights(
    served.map((s) => s.weight),
    kind === 'grpc' ? MAX_GRPC_WEIGHT_SUM : MAX_WEIGHT_SUM,
  );
  fitted.forEach((w, i) => {
    served[i]!.weight = w;
  });

  const localities: LocalityLbEndpointsMsg[] = [];
  if (kind === 'grpc') {
    for (const group of byZoneAndWeight(served)) {
      localities.push(locality(group, { zone: group[0]!.endpoint.zone, sub_zone: `weight-${group[0]!.weight}` }));
    }
  } else {
    let start = 0;
    for (let i = 1; i <= served.length; i++) {
      if (i === served.length || served[i]!.endpoint.zone !== served[start]!.endpoint.zone) {
        localities.push(locality(served.slice(start, i), { zone: served[start]!.endpoint.zone }));
        start = i;
      }
    }
  }
  return { cluster_name: name, endpoints: localities };
}
