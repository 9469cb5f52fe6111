import {
  credentials,
  loadPackageDefinition,
  Server,
  ServerCredentials,
  type ClientDuplexStream,
  type GrpcObject,
  type ServerDuplexStream,
  type ServiceClientConstructor,
} from '@grpc/grpc-js';
import { describe, expect, test } from 'vitest';

import {
  API_VERSION,
  DISCOVERY_TYPE,
  HEALTH_STATUS,
  LB_POLICY,
  MESSAGE,
  decodeToJson,
  encodeCluster,
  encodeClusterLoadAssignment,
  encodeFromJson,
  findProtoDir,
  isKnownTypeUrl,
  loadAdsPackageDefinition,
  messageType,
  packAny,
} from '../../../../src/xds/proto/index.js';
import { isWeirError } from '../../../../src/lib/errors.js';

describe('proto codec', () => {
  test('encodes a Cluster and decodes it back with enum names', () => {
    const bytes = encodeCluster({
      name: 'checkout.shop:8080',
      type: DISCOVERY_TYPE.EDS,
      eds_cluster_config: { eds_config: { ads: {}, resource_api_version: API_VERSION.V3 } },
      connect_timeout: { seconds: 1, nanos: 500_000_000 },
      lb_policy: LB_POLICY.LEAST_REQUEST,
      least_request_lb_config: { choice_count: { value: 2 } },
    });
    expect(decodeToJson(MESSAGE.CLUSTER, bytes)).toEqual({
      name: 'checkout.shop:8080',
      type: 'EDS',
      eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
      connect_timeout: { seconds: '1', nanos: 500_000_000 },
      lb_policy: 'LEAST_REQUEST',
      least_request_lb_config: { choice_count: { value: 2 } },
    });
  });

  test('the enum constants equal the values in the loaded protos', () => {
    const cluster = messageType(MESSAGE.CLUSTER);
    expect(cluster.lookupEnum('LbPolicy').values).toMatchObject(LB_POLICY);
    expect(cluster.lookupEnum('DiscoveryType').values).toEqual(DISCOVERY_TYPE);
    expect(messageType(MESSAGE.CLUSTER).root.lookupEnum('envoy.config.core.v3.HealthStatus').values).toEqual(HEALTH_STATUS);
    expect(messageType(MESSAGE.CLUSTER).root.lookupEnum('envoy.config.core.v3.ApiVersion').values).toEqual(API_VERSION);
  });

  test('equal input gives byte-identical output', () => {
    const cla = {
      cluster_name: 'a.b:80',
      endpoints: [
        {
          locality: { zone: 'z1' },
          lb_endpoints: [
            {
              endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: 8080 } } },
              health_status: HEALTH_STATUS.HEALTHY,
              load_balancing_weight: { value: 3 },
            },
          ],
          load_balancing_weight: { value: 3 },
        },
      ],
    };
    expect(encodeClusterLoadAssignment(cla)).toEqual(encodeClusterLoadAssignment(structuredClone(cla)));
  });

  test('decodeToJson unpacks an Any of a known type', () => {
    const cluster = encodeCluster({ name: 'x.y:1' });
    const response = encodeFromJson(MESSAGE.DISCOVERY_RESPONSE, {
      version_info: '1',
      type_url: 'type.googleapis.com/' + MESSAGE.CLUSTER,
      resources: [packAny(MESSAGE.CLUSTER, cluster)],
      nonce: 'n1',
    });
    expect(decodeToJson(MESSAGE.DISCOVERY_RESPONSE, response)).toEqual({
      version_info: '1',
      type_url: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
      resources: [{ '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', name: 'x.y:1' }],
      nonce: 'n1',
    });
    expect(isKnownTypeUrl('type.googleapis.com/' + MESSAGE.CLUSTER)).toBe(true);
    expect(isKnownTypeUrl('type.googleapis.com/envoy.config.cluster.v3.Nope')).toBe(false);
  });

  test('encodeFromJson rejects a wrongly shaped field with XDS_RESOURCE_INVALID', () => {
    let caught: unknown;
    try {
      encodeFromJson(MESSAGE.CLUSTER, { name: 'x', eds_cluster_config: 'not an object' });
    } catch (err) {
      caught = err;
    }
    expect(isWeirError(caught, 'WEIR_XDS_RESOURCE_INVALID')).toBe(true);
  });

  test('findProtoDir finds proto/ from a nested directory and fails where there is none', () => {
    expect(findProtoDir()).toMatch(/proto$/);
    expect(() => findProtoDir('/')).toThrow(/no proto\/ directory/);
  });
});

describe('ADS package definition', () => {
  test('is loaded once and serves both ADS methods over a real gRPC server', async () => {
    const definition = loadAdsPackageDefinition();
    expect(loadAdsPackageDefinition()).toBe(definition);
    const grpcObject = loadPackageDefinition(definition);
    const discovery = ((grpcObject.envoy as GrpcObject).service as GrpcObject).discovery as GrpcObject;
    const Ads = (discovery.v3 as GrpcObject).AggregatedDiscoveryService as ServiceClientConstructor;
    expect(Object.keys(Ads.service).sort()).toEqual(['DeltaAggregatedResources', 'StreamAggregatedResources']);

    const server = new Server();
    const clusterBytes = encodeCluster({ name: 'a.b:80', type: DISCOVERY_TYPE.EDS });
    server.addService(Ads.service, {
      StreamAggregatedResources: (call: ServerDuplexStream<Record<string, unknown>, unknown>) => {
        call.on('data', (request: Record<string, unknown>) => {
          call.write({
            version_info: '1',
            type_url: request.type_url,
            nonce: `echo:${(request.resource_names as string[]).length}`,
            resources: [packAny(MESSAGE.CLUSTER, clusterBytes)],
          });
          call.end();
        });
      },
      DeltaAggregatedResources: () => undefined,
    });
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
    });
    try {
      const client = new Ads(`127.0.0.1:${port}`, credentials.createInsecure());
      const open = client.StreamAggregatedResources as (() => ClientDuplexStream<object, Record<string, unknown>>) | undefined;
      expect(open).toBeTypeOf('function');
      const stream = open!.call(client);
      const response = await new Promise<Record<string, unknown>>((resolve, reject) => {
        stream.on('data', resolve);
        stream.on('error', reject);
        stream.write({ type_url: 'type.googleapis.com/' + MESSAGE.CLUSTER });
      });
      expect(response.nonce).toBe('echo:0');
      const [resource] = response.resources as { type_url: string; value: Buffer }[];
      expect(resource?.type_url).toBe('type.googleapis.com/envoy.config.cluster.v3.Cluster');
      expect(decodeToJson(MESSAGE.CLUSTER, resource!.value)).toEqual({ name: 'a.b:80', type: 'EDS' });
      stream.cancel();
      client.close();
    } finally {
      server.forceShutdown();
    }
  });
});
