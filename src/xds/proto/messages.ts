/**
 * TypeScript shapes of the messages weir encodes, as plain objects in the form
 * protobufjs `Type.encode` takes directly: snake_case field names, enums as numbers,
 * wrapper types as `{ value }`, Any as `{ type_url, value }`. Only the fields weir sets
 * are typed; the .proto files under proto/ are the full subset.
 */

/** envoy.config.core.v3.ApiVersion */
export const API_VERSION = Object.freeze({ AUTO: 0, V2: 1, V3: 2 } as const);

/** envoy.config.core.v3.HealthStatus */
export const HEALTH_STATUS = Object.freeze({
  UNKNOWN: 0,
  HEALTHY: 1,
  UNHEALTHY: 2,
  DRAINING: 3,
  TIMEOUT: 4,
  DEGRADED: 5,
} as const);

/** envoy.config.cluster.v3.Cluster.DiscoveryType */
export const DISCOVERY_TYPE = Object.freeze({ STATIC: 0, STRICT_DNS: 1, LOGICAL_DNS: 2, EDS: 3, ORIGINAL_DST: 4 } as const);

/** envoy.config.cluster.v3.Cluster.LbPolicy */
export const LB_POLICY = Object.freeze({
  ROUND_ROBIN: 0,
  LEAST_REQUEST: 1,
  RING_HASH: 2,
  RANDOM: 3,
  MAGLEV: 5,
  CLUSTER_PROVIDED: 6,
  LOAD_BALANCING_POLICY_CONFIG: 7,
} as const);

/** envoy.config.cluster.v3.Cluster.RingHashLbConfig.HashFunction */
export const HASH_FUNCTION = Object.freeze({ XX_HASH: 0, MURMUR_HASH_2: 1 } as const);

/** envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.CodecType */
export const CODEC_TYPE = Object.freeze({ AUTO: 0, HTTP1: 1, HTTP2: 2, HTTP3: 3 } as const);

export type ValuesOf<T> = T[keyof T];

/** google.protobuf.UInt32Value / UInt64Value (weir's values stay below 2^53). */
export interface WrappedNumber {
  readonly value: number;
}

/** google.protobuf.BoolValue */
export interface WrappedBool {
  readonly value: boolean;
}

/** google.protobuf.Duration */
export interface DurationMsg {
  readonly seconds: number;
  readonly nanos?: number;
}

/** google.protobuf.Any */
export interface AnyMsg {
  readonly type_url: string;
  readonly value: Uint8Array;
}

/** envoy.config.core.v3.Locality */
export interface LocalityMsg {
  readonly region?: string;
  readonly zone?: string;
  readonly sub_zone?: string;
}

/** envoy.config.core.v3.SocketAddress */
export interface SocketAddressMsg {
  readonly address: string;
  readonly port_value: number;
}

/** envoy.config.core.v3.Address */
export interface AddressMsg {
  readonly socket_address: SocketAddressMsg;
}

/** envoy.config.core.v3.ConfigSource (the ADS form weir sends). */
export interface ConfigSourceMsg {
  readonly ads?: Record<string, never>;
  readonly resource_api_version?: ValuesOf<typeof API_VERSION>;
}

/** envoy.config.cluster.v3.Cluster */
export interface ClusterMsg {
  readonly name: string;
  readonly type?: ValuesOf<typeof DISCOVERY_TYPE>;
  readonly eds_cluster_config?: { readonly eds_config?: ConfigSourceMsg; readonly service_name?: string };
  readonly connect_timeout?: DurationMsg;
  readonly lb_policy?: ValuesOf<typeof LB_POLICY>;
  /** Extension name → its options. Must hold at most one key for deterministic bytes. */
  readonly typed_extension_protocol_options?: Readonly<Record<string, AnyMsg>>;
  readonly ring_hash_lb_config?: {
    readonly minimum_ring_size?: WrappedNumber;
    readonly hash_function?: ValuesOf<typeof HASH_FUNCTION>;
    readonly maximum_ring_size?: WrappedNumber;
  };
  readonly maglev_lb_config?: { readonly table_size?: WrappedNumber };
  readonly least_request_lb_config?: { readonly choice_count?: WrappedNumber };
}

/** envoy.extensions.upstreams.http.v3.HttpProtocolOptions (the downstream-protocol form). */
export interface HttpProtocolOptionsMsg {
  readonly use_downstream_protocol_config?: {
    readonly http_protocol_options?: Record<string, never>;
    readonly http2_protocol_options?: Record<string, never>;
  };
}

/** envoy.config.endpoint.v3.LbEndpoint */
export interface LbEndpointMsg {
  readonly endpoint: { readonly address: AddressMsg; readonly hostname?: string };
  readonly health_status?: ValuesOf<typeof HEALTH_STATUS>;
  readonly load_balancing_weight?: WrappedNumber;
}

/** envoy.config.endpoint.v3.LocalityLbEndpoints */
export interface LocalityLbEndpointsMsg {
  readonly locality?: LocalityMsg;
  readonly lb_endpoints: readonly LbEndpointMsg[];
  readonly load_balancing_weight?: WrappedNumber;
  readonly priority?: number;
}

/** envoy.config.endpoint.v3.ClusterLoadAssignment */
export interface ClusterLoadAssignmentMsg {
  readonly cluster_name: string;
  readonly endpoints: readonly LocalityLbEndpointsMsg[];
}

/** envoy.config.route.v3.RouteConfiguration */
export interface RouteConfigurationMsg {
  readonly name: string;
  readonly virtual_hosts: readonly {
    readonly name: string;
    readonly domains: readonly string[];
    readonly routes: readonly {
      readonly name?: string;
      readonly match: { readonly prefix?: string; readonly path?: string };
      readonly route: { readonly cluster: string; readonly timeout?: DurationMsg };
    }[];
  }[];
}

/** envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter */
export interface HttpFilterMsg {
  readonly name: string;
  readonly typed_config?: AnyMsg;
  readonly is_optional?: boolean;
}

/** envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager */
export interface HttpConnectionManagerMsg {
  readonly codec_type?: ValuesOf<typeof CODEC_TYPE>;
  readonly stat_prefix?: string;
  readonly rds?: { readonly config_source: ConfigSourceMsg; readonly route_config_name: string };
  readonly route_config?: RouteConfigurationMsg;
  readonly http_filters: readonly HttpFilterMsg[];
}

/** envoy.config.listener.v3.Listener */
export interface ListenerMsg {
  readonly name: string;
  readonly address?: AddressMsg;
  readonly api_listener?: { readonly api_listener: AnyMsg };
}
