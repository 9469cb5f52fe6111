import { describe, expect, test } from 'vitest';
import { messageType } from '../../../../src/xds/proto/index.js';
import { encodeDeltaResponse, encodeSotwResponse, sotwResourceChunk } from '../../../../src/xds/server/wire.js';
import { TYPE_URL, type EncodedResource } from '../../../../src/xds/types.js';

const res = (name: string, size: number): EncodedResource => ({
  name,
  typeUrl: TYPE_URL.ENDPOINT,
  value: new Uint8Array(Array.from({ length: size }, (_, i) => i % 251)),
  hash: `h-${name}`,
});

describe('hand-written response encoding', () => {
  test('a SotW response decodes with protobufjs to the same fields', () => {
    const resources = [res('a', 3), res('b', 300), res('ü-long-name', 20_000)];
    const bytes = encodeSotwResponse({ versionInfo: '7', typeUrl: TYPE_URL.ENDPOINT, nonce: 'n-1', resources, controlPlane: 'weir' });
    const type = messageType('envoy.service.discovery.v3.DiscoveryResponse');
    const msg = type.toObject(type.decode(bytes), { defaults: true }) as {
      version_info: string;
      type_url: string;
      nonce: string;
      resources: { type_url: string; value: Uint8Array }[];
      control_plane: { identifier: string };
    };
    expect(msg.version_info).toBe('7');
    expect(msg.type_url).toBe(TYPE_URL.ENDPOINT);
    expect(msg.nonce).toBe('n-1');
    expect(msg.control_plane.identifier).toBe('weir');
    expect(msg.resources.map((r) => r.type_url)).toEqual([TYPE_URL.ENDPOINT, TYPE_URL.ENDPOINT, TYPE_URL.ENDPOINT]);
    expect(msg.resources.map((r) => Buffer.from(r.value).equals(Buffer.from(resources[msg.resources.indexOf(r)]?.value ?? [])))).toEqual([true, true, true]);
  });

  test('a Delta response decodes with protobufjs: name, content-hash version, body, removed names', () => {
    const bytes = encodeDeltaResponse({ systemVersionInfo: '3', typeUrl: TYPE_URL.ENDPOINT, nonce: 'n', resources: [res('a', 10)], removed: ['x', 'y'] });
    const type = messageType('envoy.service.discovery.v3.DeltaDiscoveryResponse');
    const msg = type.toObject(type.decode(bytes), { defaults: true }) as {
      system_version_info: string;
      removed_resources: string[];
      resources: { name: string; version: string; resource: { type_url: string; value: Uint8Array } }[];
    };
    expect(msg.system_version_info).toBe('3');
    expect(msg.removed_resources).toEqual(['x', 'y']);
    expect(msg.resources[0]?.name).toBe('a');
    expect(msg.resources[0]?.version).toBe('h-a');
    expect(msg.resources[0]?.resource.value).toHaveLength(10);
  });

  test('each resource is encoded once: the chunk is shared', () => {
    const r = res('a', 100);
    expect(sotwResourceChunk(r)).toBe(sotwResourceChunk(r));
  });
});
