/**
 * Test fixtures: topologies from a compact spec, and a small stand-in BuildResources
 * that encodes real protobuf (Cluster of type EDS, ClusterLoadAssignment grouped by
 * zone; a named Listener and RouteConfiguration for gRPC clients) so the conformance
 * tests drive the cache through its real input, `update(topology, weights)`.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_POLICY, clusterName, serviceId, type Endpoint, type LbPolicy, type Service, type Topology, type WeightTable } from '../../../src/model/index.js';
import { TYPE_URL, type BuildResources, type ClientKind, type EncodedResource, type TypeUrl } from '../../../src/xds/types.js';

export interface ServiceSpec {
  /** `address` or `address@zone`. */
  readonly endpoints: readonly string[];
  readonly port?: number;
  readonly targetPort?: number;
  readonly lbPolicy?: LbPolicy;
}

/** Topology from `{ 'ns/name': { endpoints: ['10.0.0.1@zone-a', …] } }`. */
export function makeTopology(spec: Record<string, ServiceSpec>): Topology {
  const services = new Map<string, Service>();
  for (const id of Object.keys(spec).sort()) {
    const s = spec[id];
    if (!s) continue;
    const [namespace = 'default', name = id] = id.split('/');
    const endpoints: Endpoint[] = s.endpoints
      .map((e) => {
        const [address = e, zone = ''] = e.split('@');
        return { address, zone, ports: { '': s.targetPort ?? 8080 }, ready: true, serving: true, terminating: false };
      })
      .sort((a, b) => (a.address < b.address ? -1 : 1));
    services.set(id, {
      key: { namespace, name },
      ports: [{ name: '', port: s.port ?? 80, protocol: 'TCP' }],
      endpoints,
      policy: { ...DEFAULT_POLICY, lbPolicy: s.lbPolicy ?? DEFAULT_POLICY.lbPolicy },
      problems: [],
    });
  }
  return { services };
}

/** Weight table from `{ 'ns/name': { '10.0.0.1': 3 } }`. */
export function makeWeights(spec: Record<string, Record<string, number>>): WeightTable {
  return new Map(Object.entries(spec).map(([id, w]) => [id, new Map(Object.entries(w))]));
}

/** The cluster name of the first port of service `id` in `topology`. */
export function clusterOf(topology: Topology, id: string): string {
  const svc = topology.services.get(id);
  if (!svc?.ports[0]) throw new Error(`no service ${id}`);
  return clusterName(svc.key, svc.ports[0].port);
}

// --- a minimal protobuf writer ---------------------------------------------------------

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function len(field: number, payload: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(varint(field * 8 + 2)), Buffer.from(varint(payload.length)), payload]);
}

function str(field: number, s: string): Buffer {
  return s === '' ? Buffer.alloc(0) : len(field, Buffer.from(s, 'utf8'));
}

function uint(field: number, n: number): Buffer {
  return n === 0 ? Buffer.alloc(0) : Buffer.from([...varint(field * 8), ...varint(n)]);
}

function msg(...parts: Buffer[]): Buffer {
  return Buffer.concat(parts);
}

const LB_POLICY: Record<LbPolicy, number> = { 'round-robin': 0, 'least-request': 1, 'ring-hash': 2, maglev: 5 };

function resource(typeUrl: TypeUrl, name: string, value: Buffer): EncodedResource {
  return { name, typeUrl, value, hash: createHash('sha256').update(value).digest('hex').slice(0, 16) };
}

/**
 * The stand-in builder. gRPC clients get RING_HASH where Envoy gets the service's
 * policy (so the two kinds differ, as with the real builders), plus LDS/RDS.
 */
export const fixtureBuild: BuildResources = (topology: Topology, weights: WeightTable, kind: ClientKind) => {
  const clusters = new Map<string, EncodedResource>();
  const clas = new Map<string, EncodedResource>();
  const listeners = new Map<string, EncodedResource>();
  const routes = new Map<string, EncodedResource>();
  for (const id of [...topology.services.keys()].sort()) {
    const svc = topology.services.get(id);
    if (!svc) continue;
    for (const port of svc.ports) {
      const name = clusterName(svc.key, port.port);
      const policy = kind === 'grpc' ? 2 : LB_POLICY[svc.policy.lbPolicy];
      const edsConfig = msg(len(3, Buffer.alloc(0)), uint(6, 2));
      clusters.set(name, resource(TYPE_URL.CLUSTER, name, msg(str(1, name), uint(2, 3), len(3, len(1, edsConfig)), uint(6, policy))));
      const byZone = new Map<string, Buffer[]>();
      const sums = new Map<string, number>();
      for (const ep of svc.endpoints) {
        if (!ep.ready) continue;
        const w = Math.max(1, weights.get(serviceId(svc.key))?.get(ep.address) ?? 1);
        const socket = msg(str(2, ep.address), uint(3, ep.ports[port.name] ?? port.port));
        const lbEndpoint = msg(len(1, len(1, len(1, socket))), len(4, uint(1, w)));
        byZone.set(ep.zone, [...(byZone.get(ep.zone) ?? []), len(2, lbEndpoint)]);
        sums.set(ep.zone, (sums.get(ep.zone) ?? 0) + w);
      }
      const localities = [...byZone.keys()].sort().map((zone) =>
        len(2, msg(len(1, msg(str(1, 'region'), str(2, zone || 'unknown'))), ...(byZone.get(zone) ?? []), len(3, uint(1, sums.get(zone) ?? 1)))),
      );
      clas.set(name, resource(TYPE_URL.ENDPOINT, name, msg(str(1, name), ...localities)));
      if (kind === 'grpc') {
        listeners.set(name, resource(TYPE_URL.LISTENER, name, msg(str(1, name), str(2, `route:${name}`))));
        routes.set(`route:${name}`, resource(TYPE_URL.ROUTE, `route:${name}`, msg(str(1, `route:${name}`), str(2, name))));
      }
    }
  }
  return new Map<TypeUrl, ReadonlyMap<string, EncodedResource>>([
    [TYPE_URL.CLUSTER, clusters],
    [TYPE_URL.ENDPOINT, clas],
    [TYPE_URL.LISTENER, listeners],
    [TYPE_URL.ROUTE, routes],
  ]);
};
