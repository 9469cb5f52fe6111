/**
 * Encoding and decoding of the messages weir serves, over the Root of proto/.
 *
 * Encoders take the plain shapes of ./messages.ts and hand them to protobufjs without a
 * `fromObject` pass (enums are already numbers), which is what keeps building 10,000
 * endpoints cheap. protobufjs writes fields in field-number order and weir's shapes hold
 * no maps, so equal objects always give byte-identical output.
 */
import type protobuf from 'protobufjs';

import { ERROR_CODES, WeirError } from '../../lib/errors.js';
import type {
  ClusterLoadAssignmentMsg,
  ClusterMsg,
  HttpConnectionManagerMsg,
  HttpProtocolOptionsMsg,
  ListenerMsg,
  RouteConfigurationMsg,
} from './messages.js';
import { messageType, protoRoot } from './root.js';

/** The `type.googleapis.com/` prefix of every type URL weir writes. */
export const TYPE_URL_PREFIX = 'type.googleapis.com/';

/** Fully qualified names of the messages with encoders below. */
export const MESSAGE = Object.freeze({
  CLUSTER: 'envoy.config.cluster.v3.Cluster',
  CLUSTER_LOAD_ASSIGNMENT: 'envoy.config.endpoint.v3.ClusterLoadAssignment',
  LISTENER: 'envoy.config.listener.v3.Listener',
  ROUTE_CONFIGURATION: 'envoy.config.route.v3.RouteConfiguration',
  HTTP_CONNECTION_MANAGER: 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  ROUTER: 'envoy.extensions.filters.http.router.v3.Router',
  HTTP_PROTOCOL_OPTIONS: 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
  DISCOVERY_REQUEST: 'envoy.service.discovery.v3.DiscoveryRequest',
  DISCOVERY_RESPONSE: 'envoy.service.discovery.v3.DiscoveryResponse',
  DELTA_DISCOVERY_REQUEST: 'envoy.service.discovery.v3.DeltaDiscoveryRequest',
  DELTA_DISCOVERY_RESPONSE: 'envoy.service.discovery.v3.DeltaDiscoveryResponse',
} as const);

const types = new Map<string, protobuf.Type>();

function typeOf(fullName: string): protobuf.Type {
  let type = types.get(fullName);
  if (type === undefined) {
    type = messageType(fullName);
    types.set(fullName, type);
  }
  return type;
}

/**
 * Encodes a plain object as message `fullName`. The object must already be in encoder
 * form (numbers for enums); use {@link encodeFromJson} for enum names and JSON input.
 */
export function encodeMessage(fullName: string, message: object): Uint8Array {
  const type = typeOf(fullName);
  return type.encode(message as Record<string, unknown>).finish();
}

/**
 * Encodes a JSON-style object (enum names as strings, snake_case field names) as message
 * `fullName`, through protobufjs' conversion. Unknown fields are ignored (protobufjs does
 * not report them).
 *
 * @throws WeirError XDS_RESOURCE_INVALID when a field has the wrong shape.
 */
export function encodeFromJson(fullName: string, json: Record<string, unknown>): Uint8Array {
  const type = typeOf(fullName);
  let message: protobuf.Message;
  try {
    message = type.fromObject(json);
  } catch (err) {
    throw new WeirError(ERROR_CODES.XDS_RESOURCE_INVALID, `${fullName}: ${(err as Error).message}`, { cause: err });
  }
  return type.encode(message).finish();
}

/**
 * Decodes `bytes` as message `fullName` into a JSON-ready object: enum names, 64-bit
 * integers as strings, default values omitted, and every google.protobuf.Any unpacked
 * into `{ "@type": url, ...fields }` when its type is part of the subset.
 */
export function decodeToJson(fullName: string, bytes: Uint8Array): Record<string, unknown> {
  const type = typeOf(fullName);
  return type.toObject(type.decode(bytes), { enums: String, longs: String, json: true, defaults: false });
}

/** The fully qualified message name of a type URL (`type.googleapis.com/a.b.C` → `a.b.C`). */
export function messageNameOfTypeUrl(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
}

/** Whether `typeUrl` names a message of the subset. */
export function isKnownTypeUrl(typeUrl: string): boolean {
  return protoRoot().lookup(messageNameOfTypeUrl(typeUrl)) !== null;
}

/** Wraps encoded bytes of message `fullName` into a google.protobuf.Any. */
export function packAny(fullName: string, value: Uint8Array): { type_url: string; value: Uint8Array } {
  return { type_url: TYPE_URL_PREFIX + fullName, value };
}

/** Serialises an envoy.config.cluster.v3.Cluster. */
export function encodeCluster(cluster: ClusterMsg): Uint8Array {
  return encodeMessage(MESSAGE.CLUSTER, cluster);
}

/** Serialises an envoy.config.endpoint.v3.ClusterLoadAssignment. */
export function encodeClusterLoadAssignment(cla: ClusterLoadAssignmentMsg): Uint8Array {
  return encodeMessage(MESSAGE.CLUSTER_LOAD_ASSIGNMENT, cla);
}

/** Serialises an envoy.config.listener.v3.Listener. */
export function encodeListener(listener: ListenerMsg): Uint8Array {
  return encodeMessage(MESSAGE.LISTENER, listener);
}

/** Serialises an envoy.config.route.v3.RouteConfiguration. */
export function encodeRouteConfiguration(routeConfiguration: RouteConfigurationMsg): Uint8Array {
  return encodeMessage(MESSAGE.ROUTE_CONFIGURATION, routeConfiguration);
}

/** Serialises an envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager. */
export function encodeHttpConnectionManager(hcm: HttpConnectionManagerMsg): Uint8Array {
  return encodeMessage(MESSAGE.HTTP_CONNECTION_MANAGER, hcm);
}

/** Serialises an envoy.extensions.upstreams.http.v3.HttpProtocolOptions. */
export function encodeHttpProtocolOptions(options: HttpProtocolOptionsMsg): Uint8Array {
  return encodeMessage(MESSAGE.HTTP_PROTOCOL_OPTIONS, options);
}

/** Serialises an empty envoy.extensions.filters.http.router.v3.Router (all defaults). */
export function encodeRouter(): Uint8Array {
  return encodeMessage(MESSAGE.ROUTER, {});
}
