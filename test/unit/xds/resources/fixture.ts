/**
 * Builders of Topology and WeightTable for the resource builder tests, from plain
 * objects (the golden *.input.yaml files) with defaults for what a case does not care about.
 */
import { DEFAULT_POLICY, serviceId, type Endpoint, type LbPolicy, type Service, type Topology, type WeightTable } from '../../../../src/model/index.js';

export interface EndpointInput {
  address: string;
  ports: Record<string, number>;
  zone?: string;
  pod?: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

export interface ServiceInput {
  name: string;
  namespace: string;
  lbPolicy?: LbPolicy;
  ports: { name: string; port: number; protocol?: 'TCP' | 'UDP' | 'SCTP' }[];
  endpoints: EndpointInput[];
}

export interface TopologyInput {
  services: ServiceInput[];
  weights?: Record<string, Record<string, number>>;
}

export function toEndpoint(e: EndpointInput): Endpoint {
  const ready = e.ready ?? true;
  return {
    address: e.address,
    ports: e.ports,
    zone: e.zone ?? '',
    ready,
    serving: e.serving ?? ready,
    terminating: e.terminating ?? false,
    ...(e.pod === undefined ? {} : { pod: e.pod }),
  };
}

export function toService(s: ServiceInput): Service {
  return {
    key: { namespace: s.namespace, name: s.name },
    ports: s.ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol ?? 'TCP' })),
    endpoints: s.endpoints.map(toEndpoint).sort((a, b) => (a.address < b.address ? -1 : 1)),
    policy: { ...DEFAULT_POLICY, lbPolicy: s.lbPolicy ?? DEFAULT_POLICY.lbPolicy },
    problems: [],
  };
}

export function toTopology(input: TopologyInput): { topology: Topology; weights: WeightTable } {
  const services = new Map<string, Service>();
  for (const s of input.services) {
    const service = toService(s);
    services.set(serviceId(service.key), service);
  }
  const weights = new Map<string, ReadonlyMap<string, number>>();
  for (const [id, table] of Object.entries(input.weights ?? {})) {
    weights.set(id, new Map(Object.entries(table)));
  }
  return { topology: { services }, weights };
}

/** A synthetic topology of `services` services with `endpoints` endpoints each over 3 zones. */
export function syntheticTopology(services: number, endpoints: number, weightOf: (s: number, e: number) => number = () => 1): {
  topology: Topology;
  weights: WeightTable;
} {
  const input: TopologyInput = { services: [], weights: {} };
  for (let s = 0; s < services; s++) {
    const eps: EndpointInput[] = [];
    const table: Record<string, number> = {};
    for (let e = 0; e < endpoints; e++) {
      const address = `10.${Math.floor(s / 250)}.${s % 250}.${e + 1}`;
      eps.push({ address, ports: { http: 8080 }, zone: `zone-${e % 3}`, pod: `svc-${s}-${e}` });
      table[address] = weightOf(s, e);
    }
    input.services.push({ name: `svc-${s}`, namespace: 'bench', ports: [{ name: 'http', port: 80 }], endpoints: eps });
    input.weights![`bench/svc-${s}`] = table;
  }
  return toTopology(input);
}
