/**
 * Shared set-up of the xDS integration tests: a real cache and ADS server on
 * 127.0.0.1:0, fed by the fixture builder, and raw test clients that check every
 * response. `publish` flushes at once so tests never wait on the hold-off timer
 * (except the coalescing case, which sets it).
 */
import { Registry } from 'prom-client';
import { silentLogger } from '../../../src/lib/log.js';
import type { Topology, WeightTable } from '../../../src/model/index.js';
import { createXdsCache, startXdsServer, type XdsCache, type XdsServer, type XdsServerOptions } from '../../../src/xds/index.js';
import type { BuildResources } from '../../../src/xds/types.js';
import { AdsTestClient } from '../../support/xds-client/ads-client.js';
import { fixtureBuild } from '../../support/xds-client/fixtures.js';

export interface Harness {
  readonly cache: XdsCache;
  readonly server: XdsServer;
  readonly registry: Registry;
  /** Update the cache and flush at once. */
  publish(topology: Topology, weights?: WeightTable): void;
  /** A new client connection (closed by `close`). */
  client(): AdsTestClient;
  /** Current value of a counter or gauge, or a histogram's count (summed over matching labels). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

export async function startHarness(
  options: { holdOffMs?: number; maxDelayMs?: number; build?: BuildResources; server?: Partial<XdsServerOptions> } = {},
): Promise<Harness> {
  const registry = new Registry();
  const log = silentLogger();
  const cache = createXdsCache({
    build: options.build ?? fixtureBuild,
    log,
    registry,
    holdOffMs: options.holdOffMs ?? 10,
    maxDelayMs: options.maxDelayMs ?? 100,
  });
  const server = await startXdsServer({ address: '127.0.0.1:0', cache, log, registry, ...options.server });
  const clients: AdsTestClient[] = [];
  return {
    cache,
    server,
    registry,
    publish(topology, weights = new Map()) {
      cache.update(topology, weights);
      cache.flush();
    },
    client() {
      const c = new AdsTestClient(server.address);
      clients.push(c);
      return c;
    },
    async metric(name, labels = {}) {
      const m = await registry.getSingleMetric(name)?.get();
      if (!m) throw new Error(`no metric ${name}`);
      return m.values
        .filter((v) => Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want))
        .filter((v) => {
          // Counters and gauges carry no metricName; a histogram counts its observations.
          const series = (v as { metricName?: string }).metricName ?? name;
          return series === name || series === `${name}_count`;
        })
        .reduce((sum, v) => sum + v.value, 0);
    },
    async close() {
      for (const c of clients) c.close();
      await server.stop(1_000);
      cache.close();
    },
  };
}

/** Resource names in a SotW response (decoded from the resources themselves). */
export { resourceName } from '../../support/xds-client/wire-reader.js';
