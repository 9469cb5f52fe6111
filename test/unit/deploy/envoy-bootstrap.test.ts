/**
 * The Envoy configurations weir ships (deploy/envoy/*.yaml) are checked against Envoy's
 * own protos (the upstream API in @grpc/grpc-js-xds's deps/): every field must exist,
 * unknown fields fail (as `envoy --mode validate` would), and the xDS wiring is what the
 * README promises.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parse } from 'yaml';
import { beforeAll, describe, expect, test } from 'vitest';

import { EnvoyJsonChecker } from '../xds/proto/upstream-json.js';

const DIR = join(import.meta.dirname, '../../../deploy/envoy');
const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
  .sort();
/** weir's cluster names: `<service>.<namespace>:<port>`. */
const WEIR_CLUSTER = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\.[a-z0-9]([-a-z0-9]*[a-z0-9])?:\d{1,5}$/;

let checker: EnvoyJsonChecker;
beforeAll(() => {
  checker = new EnvoyJsonChecker(['envoy/config/bootstrap/v3/bootstrap.proto']);
});

function load(file: string): Record<string, unknown> {
  return parse(readFileSync(join(DIR, file), 'utf8')) as Record<string, unknown>;
}

/** Every value under `key` anywhere in `value`. */
function findAll(value: unknown, key: string): unknown[] {
  if (Array.isArray(value)) {
    return value.flatMap((v) => findAll(v, key));
  }
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => (k === key ? [v, ...findAll(v, key)] : findAll(v, key)));
  }
  return [];
}

interface Bootstrap {
  node: { id: string; cluster: string; locality: Record<string, string> };
  dynamic_resources: {
    ads_config: { api_type: string; transport_api_version: string; grpc_services: { envoy_grpc: { cluster_name: string } }[] };
    cds_config: { ads: object; resource_api_version: string };
    lds_config?: unknown;
  };
  static_resources: { clusters: Record<string, unknown>[] };
}

describe('deploy/envoy bootstraps', () => {
  test('there is a front proxy and a sidecar', () => {
    expect(FILES).toEqual(expect.arrayContaining(['front-proxy.yaml', 'sidecar.yaml']));
  });

  test.each(FILES)('%s is a valid upstream Bootstrap with no unknown field', (file) => {
    expect(checker.check(BOOTSTRAP, load(file))).toEqual([]);
  });

  test.each(FILES)('%s takes CDS and EDS from weir over Delta ADS with keepalives', (file) => {
    const config = load(file) as unknown as Bootstrap;
    expect(config.node.id).not.toBe('');
    expect(config.node.cluster).not.toBe('');
    expect(config.node.locality.zone).not.toBe('');

    const ads = config.dynamic_resources.ads_config;
    expect(ads.api_type).toBe('DELTA_GRPC');
    expect(ads.transport_api_version).toBe('V3');
    expect(config.dynamic_resources.cds_config).toMatchObject({ ads: {}, resource_api_version: 'V3' });
    // weir serves Envoy no listeners: an lds_config pointing at it would find nothing.
    expect(config.dynamic_resources.lds_config).toBeUndefined();

    const xdsName = ads.grpc_services[0]!.envoy_grpc.cluster_name;
    const xds = config.static_resources.clusters.find((c) => c.name === xdsName);
    expect(xds, `static cluster ${xdsName}`).toBeDefined();
    expect(findAll(xds, 'connection_keepalive')[0]).toMatchObject({ interval: expect.any(String), timeout: expect.any(String) });
    expect(findAll(xds, 'tcp_keepalive')[0]).toMatchObject({ keepalive_time: expect.any(Number) });

    // Routes reach weir's clusters by weir's names; every other target is static.
    const targets = findAll(config.static_resources, 'route')
      .map((r) => (r as { cluster?: unknown }).cluster)
      .filter((c): c is string => typeof c === 'string');
    const staticNames = new Set(config.static_resources.clusters.map((c) => c.name));
    expect(targets.some((t) => WEIR_CLUSTER.test(t))).toBe(true);
    for (const target of targets) {
      expect(WEIR_CLUSTER.test(target) || staticNames.has(target), target).toBe(true);
    }
  });
});

describe('the checker itself', () => {
  const base = (): Record<string, unknown> => load('front-proxy.yaml');

  test('rejects an unknown field at the top, in a repeated message, and inside an Any', () => {
    const top = { ...base(), bogus: true };
    expect(checker.check(BOOTSTRAP, top)).toEqual(['bogus: unknown field of envoy.config.bootstrap.v3.Bootstrap']);

    const nested = base() as unknown as Bootstrap;
    nested.static_resources.clusters[0]!.connect_timeoutt = '1s';
    expect(checker.check(BOOTSTRAP, nested)).toEqual([
      'static_resources.clusters[0].connect_timeoutt: unknown field of envoy.config.cluster.v3.Cluster',
    ]);

    const inAny = base();
    const hcm = findAll(inAny, 'typed_config')[0] as Record<string, unknown>;
    hcm.stat_prefixx = 'x';
    expect(checker.check(BOOTSTRAP, inAny)).toEqual([
      expect.stringMatching(/filters\[0\]\.typed_config\.stat_prefixx: unknown field of .*HttpConnectionManager$/),
    ]);
  });

  test('accepts lowerCamelCase JSON names, as Envoy does', () => {
    expect(
      checker.check(BOOTSTRAP, {
        node: { id: 'a', cluster: 'b', userAgentName: 'envoy' },
        dynamicResources: { adsConfig: { apiType: 'GRPC', transportApiVersion: 'V3', setNodeOnFirstMessageOnly: true } },
      }),
    ).toEqual([]);
  });

  test('rejects wrong shapes: enum names, durations, wrappers, oneofs and Any types', () => {
    expect(
      checker.check(BOOTSTRAP, {
        dynamic_resources: { ads_config: { api_type: 'DELTA' }, cds_config: { ads: {}, path_config_source: { path: '/x' } } },
        static_resources: {
          clusters: [
            { name: 'c', connect_timeout: '1 second', per_connection_buffer_limit_bytes: 'lots', lb_policy: 'FASTEST' },
          ],
          listeners: [{ name: 'l', filter_chains: [{ filters: [{ name: 'f', typed_config: { '@type': 'type.googleapis.com/envoy.nope.v3.Nope' } }] }] }],
        },
      }),
    ).toEqual([
      'dynamic_resources.ads_config.api_type: "DELTA" is not a value of envoy.config.core.v3.ApiConfigSource.ApiType',
      'dynamic_resources.cds_config.path_config_source: oneof config_source_specifier already set by ads',
      'static_resources.clusters[0].connect_timeout: expected a duration like "1.5s", got "1 second"',
      'static_resources.clusters[0].per_connection_buffer_limit_bytes: expected uint32, got "lots"',
      'static_resources.clusters[0].lb_policy: "FASTEST" is not a value of envoy.config.cluster.v3.Cluster.LbPolicy',
      'static_resources.listeners[0].filter_chains[0].filters[0].typed_config: unknown type type.googleapis.com/envoy.nope.v3.Nope',
    ]);
  });
});
