/**
 * The xDS layer's public entry: the versioned resource cache (the control loop's
 * WeightPublisher) and the ADS server that serves it, SotW and Delta.
 *
 *   const cache = createXdsCache({ build: buildResources, log, registry });
 *   const server = await startXdsServer({ address: '0.0.0.0:18000', cache, log, registry });
 *   cache.update(topology, weights);   // pushed after the hold-off window
 *   await server.stop(5_000); cache.close();
 */
export {
  createXdsCache,
  DEFAULT_HOLD_OFF_MS,
  DEFAULT_MAX_DELAY_MS,
  type CacheChange,
  type XdsCache,
  type XdsCacheOptions,
  type XdsCacheView,
} from './cache/xds-cache.js';
export type { KindSnapshot, TypeSnapshot } from './cache/snapshot.js';
export { startXdsServer, DEFAULT_MAX_STREAMS, type XdsServer, type XdsServerOptions } from './server/xds-server.js';
export { DEFAULT_LIMITS, type RequestLimits } from './server/limits.js';
export type { XdsTlsOptions } from './server/tls.js';
export { xdsMetrics, type XdsMetrics } from './metrics.js';
export * from './types.js';
