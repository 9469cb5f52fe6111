/**
 * The Cluster weir serves for one Service port.
 */
import type { LbPolicy } from '../../model/index.js';
import {
  API_VERSION,
  DISCOVERY_TYPE,
  LB_POLICY,
  MESSAGE,
  encodeHttpProtocolOptions,
  packAny,
  type AnyMsg,
  type ClusterMsg,
  type ValuesOf,
} from '../proto/index.js';
import type { ClientKind } from '../types.js';

/**
 * How long Envoy waits for a TCP connection to an endpoint: one second. Pod-to-pod
 * connects inside a cluster take milliseconds; a connect that takes a second is a dead
 * endpoint, and failing fast lets a retry go elsewhere. (Envoy's default is 5 s.)
 */
export const CONNECT_TIMEOUT = Object.freeze({ seconds: 1 });

/** Envoy's lb_policy for each `weir.dev/lb-policy`. All four honour endpoint weights in Envoy. */
const ENVOY_LB_POLICY: Readonly<Record<LbPolicy, ValuesOf<typeof LB_POLICY>>> = {
  'least-request': LB_POLICY.LEAST_REQUEST,
  'round-robin': LB_POLICY.ROUND_ROBIN,
  'ring-hash': LB_POLICY.RING_HASH,
  maglev: LB_POLICY.MAGLEV,
};

let downstreamProtocol: Readonly<Record<string, AnyMsg>> | undefined;

/**
 * Envoy's upstream HTTP options for weir's clusters: speak the downstream's protocol.
 * Without them Envoy talks HTTP/1.1 to every endpoint, which breaks gRPC (HTTP/2 only)
 * behind an Envoy front proxy or sidecar; with them HTTP/2 and gRPC stay HTTP/2 and
 * HTTP/1.1 stays HTTP/1.1, whatever the Service serves. (Envoy ignores these for TCP
 * proxying.)
 */
function downstreamProtocolOptions(): Readonly<Record<string, AnyMsg>> {
  downstreamProtocol ??= Object.freeze({
    [MESSAGE.HTTP_PROTOCOL_OPTIONS]: packAny(
      MESSAGE.HTTP_PROTOCOL_OPTIONS,
      encodeHttpProtocolOptions({ use_downstream_protocol_config: { http_protocol_options: {}, http2_protocol_options: {} } }),
    ),
  });
  return downstreamProtocol;
}

/**
 * The Cluster `name` (`S.N:P`): type EDS, endpoints over ADS (V3), looked up by the
 * cluster's own name.
 *
 * Envoy also gets {@link downstreamProtocolOptions}; gRPC clients ignore them, so they
 * are not sent.
 *
 * The lb policy depends on the client:
 * - Envoy gets the Service's `weir.dev/lb-policy`.
 * - Proxyless gRPC (@grpc/grpc-js-xds 1.14) always gets ROUND_ROBIN, whatever the
 *   Service asks for. Its cluster validation rejects LEAST_REQUEST and MAGLEV outright
 *   ("unsupported lb_policy"). Its ROUND_ROBIN becomes xds_wrr_locality → weighted_target
 *   over localities (picked at random by locality weight) → round_robin inside each
 *   locality, which ignores endpoint weights. So the ClusterLoadAssignment for gRPC puts
 *   the endpoints of each weight in a locality of their own whose weight is their sum
 *   (see ./endpoints.ts): calls then spread exactly by weight. RING_HASH would honour weights
 *   too, but only approximately (the client caps its ring at 4,096 entries, so a 10%
 *   endpoint holds ~410 points and its share is off by several percent) and without a
 *   hash policy it gives no affinity anyway. The client-side weighted_round_robin of
 *   `load_balancing_policy` balances by ORCA load reports, not by weir's weights, and is
 *   off by default (GRPC_EXPERIMENTAL_XDS_WRR_LB).
 */
export function buildCluster(name: string, lbPolicy: LbPolicy, kind: ClientKind): ClusterMsg {
  return {
    name,
    type: DISCOVERY_TYPE.EDS,
    eds_cluster_config: { eds_config: { ads: {}, resource_api_version: API_VERSION.V3 } },
    connect_timeout: CONNECT_TIMEOUT,
    lb_policy: kind === 'grpc' ? LB_POLICY.ROUND_ROBIN : ENVOY_LB_POLICY[lbPolicy],
    ...(kind === 'grpc' ? {} : { typed_extension_protocol_options: downstreamProtocolOptions() }),
  };
}
