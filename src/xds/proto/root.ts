/**
 * Loads weir's Envoy v3 proto subset (proto/) once into a protobufjs Root with the
 * proto field names kept as written (snake_case), as Envoy's YAML and grpc-js-xds use.
 */
import { isAbsolute, join } from 'node:path';

import protobuf from 'protobufjs';

import { findProtoDir } from './proto-dir.js';

/**
 * Every proto file of the subset, relative to proto/. Listed rather than globbed so that
 * other protos living under proto/ (the demo's backend service) never leak into xDS.
 */
export const XDS_PROTO_FILES: readonly string[] = [
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/core/v3/address.proto',
  'envoy/config/core/v3/base.proto',
  'envoy/config/core/v3/config_source.proto',
  'envoy/config/core/v3/health_check.proto',
  'envoy/config/core/v3/protocol.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/config/endpoint/v3/endpoint_components.proto',
  'envoy/config/listener/v3/api_listener.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/listener/v3/listener_components.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/route/v3/route_components.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/discovery/v3/discovery.proto',
  'envoy/type/v3/semantic_version.proto',
  'google/rpc/status.proto',
];

let cached: protobuf.Root | undefined;

/**
 * Loads the given files from `protoDir` into a fresh, fully resolved Root. Imports are
 * resolved against `protoDir`; google/protobuf/* well-known types come from the copies
 * protobufjs bundles (the same ones @grpc/proto-loader uses).
 */
export function loadProtoRoot(protoDir: string = findProtoDir(), files: readonly string[] = XDS_PROTO_FILES): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (isAbsolute(target) ? target : join(protoDir, target));
  root.loadSync(
    files.map((f) => join(protoDir, f)),
    { keepCase: true },
  );
  root.resolveAll();
  return root;
}

/** The process-wide Root of the subset, loaded on first use (a few ms) and then shared. */
export function protoRoot(): protobuf.Root {
  cached ??= loadProtoRoot();
  return cached;
}

/** The message type `fullName` (no leading dot) of the subset; throws if it is not part of it. */
export function messageType(fullName: string): protobuf.Type {
  return protoRoot().lookupType(fullName);
}
