/**
 * The resource builders: what weir serves, per client kind, from the topology and the
 * weights. Pure apart from memoisation; no I/O.
 */
export { buildResources, createResourceBuilder } from './build.js';
export { CONNECT_TIMEOUT, buildCluster } from './cluster.js';
export { contentHash, toEncodedResource } from './encode.js';
export { GRPC_GROUP_TOLERANCE, buildClusterLoadAssignment, grpcEffectiveWeights } from './endpoints.js';
export { ROUTER_FILTER_NAME, buildListener, buildRouteConfiguration } from './listener.js';
export { MAX_GRPC_WEIGHT_SUM, fitWeights, toServedWeight } from './weights.js';
