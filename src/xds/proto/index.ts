/**
 * weir's Envoy v3 proto subset at run time: the loaded Root, typed encoders and
 * decoders of the resources weir serves, and the ADS package definition for the server.
 */
export { ADS_LOADER_OPTIONS, loadAdsPackageDefinition } from './ads-package.js';
export {
  MESSAGE,
  TYPE_URL_PREFIX,
  decodeToJson,
  encodeCluster,
  encodeClusterLoadAssignment,
  encodeFromJson,
  encodeHttpConnectionManager,
  encodeHttpProtocolOptions,
  encodeListener,
  encodeMessage,
  encodeRouteConfiguration,
  encodeRouter,
  isKnownTypeUrl,
  messageNameOfTypeUrl,
  packAny,
} from './codec.js';
export * from './messages.js';
export { findProtoDir } from './proto-dir.js';
export { XDS_PROTO_FILES, loadProtoRoot, messageType, protoRoot } from './root.js';
