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
 * For proxyless gRPC, endpoints whose weights are within this fraction of the highest
 * weight of their group share one locality. gRPC picks a locality at random by its
 * weight and rotates within it, so a rotation over near-equal endpoints is worth more
 * than their exact split: each gets the group's mean share (the group's total is exact).
 * Equal to the controller's quantisation step (feedback/tuning.ts QUANTISE_HYSTERESIS),
 * so a member's share moves by no more than a weight change weir would publish anyway.
 */
export const GRPC_GROUP_TOLERANCE = 0.1;

/**
 * Endpoints grouped by zone and near-equal weight: within a zone, from the highest weight
 * down, each group takes the endpoints of at least (1 − GRPC_GROUP_TOLERANCE) × its first
 * (highest) weight. Groups by zone, then from the highest weight; members in address order.
 */
function byZoneAndWeight(served: readonly ServedEndpoint[]): { readonly highest: number; readonly members: ServedEndpoint[] }[] {
  const ordered = [...served].sort((a, b) => compareStrings(a.endpoint.zone, b.endpoint.zone) || b.weight - a.weight || compareEndpoints(a, b));
  const groups = nearEqualRuns(ordered, (s) => s.weight, (a, b) => a.endpoint.zone === b.endpoint.zone);
  return groups.map((g) => ({ highest: g[0]!.weight, members: [...g].sort(compareEndpoints) }));
}

/**
 * Splits `ordered` (highest weight first within a zone) into runs: each takes the items
 * of its first item's zone with at least (1 − GRPC_GROUP_TOLERANCE) × its first weight.
 */
function nearEqualRuns<T>(ordered: readonly T[], weightOf: (t: T) => number, sameZone: (a: T, b: T) => boolean): T[][] {
  const groups: T[][] = [];
  let group: T[] = [];
  for (const s of ordered) {
    const first = group[0];
    if (first !== undefined && (!sameZone(s, first) || weightOf(s) < (1 - GRPC_GROUP_TOLERANCE) * weightOf(first))) {
      groups.push(group);
      group = [];
    }
    group.push(s);
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/**
 * The weight a proxyless gRPC client in effect gives each of `weights` (endpoints of one
 * zone): its locality's mean (see `byZoneAndWeight`), each locality's total exact. The
 * clients' model in the loop's simulation (test/unit/feedback/sim) serves these.
 */
export function grpcEffectiveWeights(weights: readonly number[]): number[] {
  const order = weights.map((_, i) => i).sort((a, b) => weights[b]! - weights[a]! || a - b);
  const out = [...weights];
  for (const run of nearEqualRuns(order, (i) => weights[i]!, () => true)) {
    const mean = run.reduce((sum, i) => sum + weights[i]!, 0) / run.length;
    for (const i of run) out[i] = mean;
  }
  return out;
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
 * zone and group of near-equal weights (`sub_zone` = `weight-W`, W the group's highest
 * weight; see `byZoneAndWeight`), because its ROUND_ROBIN weighs localities but not
 * endpoints (see ./cluster.ts): it picks a locality at random by its weight (the sum of
 * its endpoints'), then rotates over the locality's endpoints, so each endpoint gets its
 * group's mean share. Grouping (rather than one locality per endpoint) keeps the
 * rotation: with one locality each, every call was a weighted coin toss, and at 75% load
 * four healthy 2-slot backends queued far more under random picks than under a rotation
 * (the loop benchmark: 340–415 ms p99 against round robin's 175–190 ms). Everything sits
 * at priority 0.
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
    for (const { highest, members } of byZoneAndWeight(served)) {
      localities.push(locality(members, { zone: members[0]!.endpoint.zone, sub_zone: `weight-${highest}` }));
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
