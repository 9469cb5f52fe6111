/**
 * The AggregatedDiscoveryService definition the server registers. Requests are decoded
 * with @grpc/proto-loader from proto/ (src/xds/proto loads it); responses are not
 * serialized by it: the streams hand over finished bytes built from pre-encoded
 * resources (wire.ts), so the response serializer is the identity.
 */
import type { ServiceDefinition } from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import { loadAdsPackageDefinition } from '../proto/index.js';

/** A decoded google.rpc.Status. */
export interface StatusMsg {
  readonly code: number;
  readonly message: string;
}

/** A decoded envoy.config.core.v3.Node (the fields weir reads). */
export interface NodeMsg {
  readonly id: string;
  readonly cluster: string;
  readonly user_agent_name: string;
  readonly user_agent_version?: string;
  readonly client_features: readonly string[];
  readonly locality: { readonly region: string; readonly zone: string; readonly sub_zone: string } | null;
}

/** A decoded SotW DiscoveryRequest (proto-loader: keepCase, defaults on). */
export interface DiscoveryRequestMsg {
  readonly version_info: string;
  readonly node: NodeMsg | null;
  readonly resource_names: readonly string[];
  readonly type_url: string;
  readonly response_nonce: string;
  readonly error_detail: StatusMsg | null;
}

/** A decoded DeltaDiscoveryRequest. */
export interface DeltaDiscoveryRequestMsg {
  readonly node: NodeMsg | null;
  readonly type_url: string;
  readonly resource_names_subscribe: readonly string[];
  readonly resource_names_unsubscribe: readonly string[];
  readonly initial_resource_versions: Readonly<Record<string, string>>;
  readonly response_nonce: string;
  readonly error_detail: StatusMsg | null;
}

export const ADS_SERVICE = 'envoy.service.discovery.v3.AggregatedDiscoveryService';

let cached: ServiceDefinition | undefined;

/** The ADS service definition with proto-loader request decoding and identity response serialization. */
export function adsServiceDefinition(): ServiceDefinition {
  if (cached) return cached;
  const service = loadAdsPackageDefinition()[ADS_SERVICE] as Record<string, MethodDefinition<object, object>> | undefined;
  if (!service?.StreamAggregatedResources || !service.DeltaAggregatedResources) {
    throw new Error(`${ADS_SERVICE} missing from proto/`);
  }
  const withRawResponses = (method: MethodDefinition<object, object>) => ({
    ...method,
    responseSerialize: (bytes: Buffer) => bytes,
    responseDeserialize: (bytes: Buffer) => bytes,
  });
  cached = {
    StreamAggregatedResources: withRawResponses(service.StreamAggregatedResources),
    DeltaAggregatedResources: withRawResponses(service.DeltaAggregatedResources),
  };
  return cached;
}
