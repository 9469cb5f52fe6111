/**
 * The gRPC package definition of the Aggregated Discovery Service, for the ADS server.
 */
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';

import { findProtoDir } from './proto-dir.js';

/**
 * The proto-loader options the ADS package definition is loaded with. Messages cross
 * the wire as plain objects with:
 * - snake_case field names as in the .proto (`resource_names`, `type_url`);
 * - enums as their string names, 64-bit integers as decimal strings;
 * - defaults filled in on decode (an absent `resource_names` is `[]`, an absent string
 *   is `''`, an absent message is `null`), so a handler never sees `undefined` fields;
 * - `oneofs: true` (the virtual oneof field names the member that is set).
 * `google.protobuf.Any.value` is a Buffer on decode and accepts a Uint8Array on encode,
 * so pre-encoded resource bytes can be sent as they are.
 */
export const ADS_LOADER_OPTIONS: Options = Object.freeze({
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});

let cached: PackageDefinition | undefined;

/**
 * The package definition of `envoy.service.discovery.v3.AggregatedDiscoveryService`
 * (StreamAggregatedResources and DeltaAggregatedResources) loaded from weir's proto/
 * with {@link ADS_LOADER_OPTIONS}. Pass it to `grpc.loadPackageDefinition` and take
 * `envoy.service.discovery.v3.AggregatedDiscoveryService.service`. Loaded once per
 * process; the same object is returned on every call.
 */
export function loadAdsPackageDefinition(): PackageDefinition {
  cached ??= loadSync('envoy/service/discovery/v3/ads.proto', {
    ...ADS_LOADER_OPTIONS,
    includeDirs: [findProtoDir()],
  });
  return cached;
}
