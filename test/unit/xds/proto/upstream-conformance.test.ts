/**
 * Proves weir's hand-written proto subset (proto/) against the real Envoy API shipped in
 * @grpc/grpc-js-xds's deps/: every message, field and enum value of ours exists upstream
 * with the same name, number, type, label and oneof, in the same file; and messages
 * encoded by us decode identically with upstream, and the other way round.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

import protobuf from 'protobufjs';
import { beforeAll, describe, expect, test } from 'vitest';

import {
  MESSAGE,
  encodeFromJson,
  findProtoDir,
  loadProtoRoot,
  packAny,
} from '../../../../src/xds/proto/index.js';
import { createResourceBuilder } from '../../../../src/xds/resources/index.js';
import { TYPE_URL } from '../../../../src/xds/types.js';
import { toTopology } from '../resources/fixture.js';
import { loadUpstream, upstreamFile } from './upstream.js';

const PROTO_DIR = findProtoDir();

/** Every .proto under proto/ that mirrors an upstream package (weir's own protos excluded). */
function ourFiles(dir = PROTO_DIR): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      out.push(...ourFiles(full));
    } else if (entry.name.endsWith('.proto')) {
      out.push(relative(PROTO_DIR, full));
    }
  }
  return out.filter((f) => !f.startsWith('weir/')).sort();
}

const FILES = ourFiles();
let ours: protobuf.Root;
let upstream: protobuf.Root;

beforeAll(() => {
  ours = loadProtoRoot(PROTO_DIR, FILES);
  upstream = loadUpstream(FILES);
});

function allNested(ns: protobuf.NamespaceBase): protobuf.ReflectionObject[] {
  const out: protobuf.ReflectionObject[] = [];
  for (const child of ns.nestedArray) {
    out.push(child);
    if (child instanceof protobuf.Namespace) {
      out.push(...allNested(child));
    }
  }
  return out;
}

/** Types and enums defined in our files (the well-known google.protobuf types are protobufjs'). */
function ourDefinitions(): (protobuf.Type | protobuf.Enum)[] {
  return allNested(ours).filter(
    (o): o is protobuf.Type | protobuf.Enum =>
      (o instanceof protobuf.Type || o instanceof protobuf.Enum) && !o.fullName.startsWith('.google.protobuf.'),
  );
}

function typeName(field: protobuf.Field): string {
  return field.resolvedType ? field.resolvedType.fullName : field.type;
}

/** One line per property a field must share with upstream. */
function describeField(field: protobuf.Field): Record<string, unknown> {
  const map = field instanceof protobuf.MapField;
  return {
    name: field.name,
    number: field.id,
    type: typeName(field),
    label: map ? 'map' : field.repeated ? 'repeated' : field.options?.proto3_optional ? 'optional' : 'singular',
    keyType: map ? (field as protobuf.MapField).keyType : undefined,
    oneof: field.partOf?.name,
  };
}

function relativeFile(o: protobuf.ReflectionObject, base: string): string {
  return relative(base, o.filename ?? '').replaceAll('\\', '/');
}

describe('proto/ against upstream Envoy', () => {
  test('every file of ours has an upstream counterpart, and the subset covers what weir needs', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(18);
    for (const file of FILES) {
      expect(upstreamFile(file), file).toBeDefined();
    }
  });

  test('every message and enum exists upstream, defined in the same file', () => {
    const definitions = ourDefinitions();
    expect(definitions.length).toBeGreaterThan(40);
    for (const def of definitions) {
      const theirs = upstream.lookup(def.fullName);
      expect(theirs, def.fullName).not.toBeNull();
      expect(theirs instanceof protobuf.Type ? 'message' : 'enum', def.fullName).toBe(def instanceof protobuf.Type ? 'message' : 'enum');
      const ourFile = relativeFile(def, PROTO_DIR);
      expect(theirs!.filename?.replaceAll('\\', '/').endsWith(`/${ourFile}`), `${def.fullName} in ${ourFile}`).toBe(true);
    }
  });

  test('every field matches upstream in name, number, type, label and oneof', () => {
    let checked = 0;
    for (const def of ourDefinitions()) {
      if (!(def instanceof protobuf.Type)) {
        continue;
      }
      const theirs = upstream.lookupType(def.fullName);
      for (const field of def.fieldsArray) {
        const upstreamField = theirs.fields[field.name];
        expect(upstreamField, `${def.fullName}.${field.name}`).toBeDefined();
        expect(describeField(field), `${def.fullName}.${field.name}`).toEqual(describeField(upstreamField!));
        checked++;
      }
      // Our oneofs hold a subset of upstream's members, never a member upstream lacks.
      for (const oneof of def.oneofsArray) {
        const upstreamOneof = theirs.oneofs?.[oneof.name];
        expect(upstreamOneof, `${def.fullName}.${oneof.name}`).toBeDefined();
        expect(upstreamOneof!.oneof).toEqual(expect.arrayContaining(oneof.oneof));
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  test('every enum value matches upstream', () => {
    for (const def of ourDefinitions()) {
      if (!(def instanceof protobuf.Enum)) {
        continue;
      }
      const theirs = upstream.lookupEnum(def.fullName);
      for (const [name, number] of Object.entries(def.values)) {
        expect(theirs.values[name], `${def.fullName}.${name}`).toBe(number);
      }
    }
  });

  test('the ADS service has the same methods and streaming as upstream', () => {
    const service = ours.lookupService('envoy.service.discovery.v3.AggregatedDiscoveryService');
    const theirs = upstream.lookupService('envoy.service.discovery.v3.AggregatedDiscoveryService');
    for (const method of service.methodsArray) {
      const upstreamMethod = theirs.methods[method.name];
      expect(upstreamMethod, method.name).toBeDefined();
      expect([method.requestType, method.responseType, method.requestStream, method.responseStream]).toEqual([
        upstreamMethod!.requestType,
        upstreamMethod!.responseType,
        upstreamMethod!.requestStream,
        upstreamMethod!.responseStream,
      ]);
    }
  });
});

/** Decodes with both roots into comparable JSON (enum names, Any unpacked). */
function decodeWith(root: protobuf.Root, fullName: string, bytes: Uint8Array): unknown {
  const type = root.lookupType(fullName);
  return type.toObject(type.decode(bytes), { enums: String, longs: String, json: true, defaults: false });
}

describe('wire round trips with upstream', () => {
  test('resources weir builds decode identically with upstream', () => {
    const { topology, weights } = toTopology({
      services: [
        {
          name: 'checkout',
          namespace: 'shop',
          lbPolicy: 'ring-hash',
          ports: [{ name: 'http', port: 8080 }],
          endpoints: [
            { address: '10.0.1.5', pod: 'checkout-5', zone: 'a', ports: { http: 8080 } },
            { address: 'fd00::7', zone: 'b', ports: { http: 8080 } },
            { address: '10.0.1.9', zone: 'a', ready: false, serving: true, terminating: true, ports: { http: 8080 } },
          ],
        },
      ],
      weights: { 'shop/checkout': { '10.0.1.5': 3, 'fd00::7': 4_000_000_000 } },
    });
    let compared = 0;
    for (const kind of ['envoy', 'grpc'] as const) {
      const set = createResourceBuilder()(topology, weights, kind);
      for (const typeUrl of Object.values(TYPE_URL)) {
        const fullName = typeUrl.slice(typeUrl.indexOf('/') + 1);
        for (const resource of set.get(typeUrl)!.values()) {
          const mine = decodeWith(ours, fullName, resource.value);
          expect(decodeWith(upstream, fullName, resource.value), `${kind} ${fullName}`).toEqual(mine);
          // Upstream re-encodes to the same bytes: nothing was lost or misread.
          const type = upstream.lookupType(fullName);
          expect(Buffer.from(type.encode(type.decode(resource.value)).finish())).toEqual(Buffer.from(resource.value));
          compared++;
        }
      }
    }
    expect(compared).toBe(6);
  });

  test('a DiscoveryResponse with an Any resource decodes identically with upstream', () => {
    const { topology, weights } = toTopology({
      services: [{ name: 'a', namespace: 'b', ports: [{ name: '', port: 80 }], endpoints: [{ address: '10.9.0.1', ports: { '': 80 } }] }],
    });
    const cla = createResourceBuilder()(topology, weights, 'grpc').get(TYPE_URL.ENDPOINT)!.get('a.b:80')!;
    const bytes = encodeFromJson(MESSAGE.DISCOVERY_RESPONSE, {
      version_info: '7',
      type_url: TYPE_URL.ENDPOINT,
      resources: [packAny(MESSAGE.CLUSTER_LOAD_ASSIGNMENT, cla.value)],
      nonce: 'n-1',
      control_plane: { identifier: 'weir' },
    });
    const decoded = decodeWith(upstream, MESSAGE.DISCOVERY_RESPONSE, bytes) as { resources: { '@type': string; cluster_name: string }[] };
    expect(decoded).toEqual(decodeWith(ours, MESSAGE.DISCOVERY_RESPONSE, bytes));
    expect(decoded.resources[0]).toMatchObject({ '@type': TYPE_URL.ENDPOINT, cluster_name: 'a.b:80' });
  });

  test('requests as a client encodes them upstream decode identically with ours', () => {
    const node = {
      id: 'sidecar~10.0.0.1~pod.ns~ns.svc.cluster.local',
      cluster: 'checkout',
      locality: { region: 'eu-west-1', zone: 'eu-west-1a' },
      user_agent_name: 'grpc-node-js',
      user_agent_version: '1.14.1',
      client_features: ['envoy.lb.does_not_support_overprovisioning'],
      metadata: { fields: { TRAFFICDIRECTOR_NETWORK_NAME: { string_value: 'default' } } },
    };
    const requests: [string, Record<string, unknown>][] = [
      [
        MESSAGE.DISCOVERY_REQUEST,
        {
          version_info: '3',
          node,
          resource_names: ['a.b:80', 'c.d:90'],
          type_url: TYPE_URL.ENDPOINT,
          response_nonce: '12',
          error_detail: { code: 3, message: 'bad weight', details: [] },
        },
      ],
      [
        MESSAGE.DELTA_DISCOVERY_REQUEST,
        {
          node,
          type_url: TYPE_URL.CLUSTER,
          resource_names_subscribe: ['*'],
          resource_names_unsubscribe: ['x.y:1'],
          initial_resource_versions: { 'a.b:80': '0011223344556677' },
          response_nonce: '4',
        },
      ],
    ];
    for (const [fullName, json] of requests) {
      const type = upstream.lookupType(fullName);
      const bytes = type.encode(type.fromObject(json)).finish();
      expect(decodeWith(ours, fullName, bytes), fullName).toEqual(decodeWith(upstream, fullName, bytes));
    }
  });
});
