/**
 * Builders of plain engine inputs for the feedback tests: services, topologies and
 * samples with sensible defaults, overridable field by field.
 */
import {
  DEFAULT_POLICY,
  serviceId,
  type CustomSignalSpec,
  type Endpoint,
  type EndpointSample,
  type Samples,
  type Service,
  type ServicePolicy,
  type Topology,
} from '../../../src/model/index.js';
import { INITIAL_ENGINE_STATE, runEngine, type EngineOutput, type EngineState } from '../../../src/feedback/index.js';

export const NAMESPACE = 'shop';

/** `10.0.0.<i+1>` for i = 0..n−1: sorted as strings for n ≤ 9. */
export function addresses(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `10.0.0.${i + 1}`);
}

export function endpoint(address: string, overrides: Partial<Endpoint> = {}): Endpoint {
  return { address, ports: { http: 8080 }, zone: '', ready: true, serving: true, terminating: false, ...overrides };
}

export function policy(overrides: Partial<ServicePolicy> = {}): ServicePolicy {
  return { ...DEFAULT_POLICY, ...overrides };
}

export function service(name: string, endpoints: readonly Endpoint[], policyOverrides: Partial<ServicePolicy> = {}): Service {
  return {
    key: { namespace: NAMESPACE, name },
    ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    endpoints: [...endpoints].sort((a, b) => (a.address < b.address ? -1 : 1)),
    policy: policy(policyOverrides),
    problems: [],
  };
}

export function topology(...services: Service[]): Topology {
  return { services: new Map(services.map((s) => [serviceId(s.key), s])) };
}

/** The id of a fixture service named `name`. */
export function sid(name: string): string {
  return `${NAMESPACE}/${name}`;
}

/** Samples at `at` for services by name: address → sample. */
export function samples(
  at: number,
  byService: Record<string, Record<string, EndpointSample>>,
  failed: readonly string[] = [],
): Samples {
  const services = new Map<string, ReadonlyMap<string, EndpointSample>>();
  for (const name of Object.keys(byService).sort()) services.set(sid(name), new Map(Object.entries(byService[name]!)));
  return { at, services, failed: new Set(failed.map(sid)) };
}

/** The same sample for every address. */
export function uniform(addrs: readonly string[], sample: EndpointSample): Record<string, EndpointSample> {
  return Object.fromEntries(addrs.map((a) => [a, sample]));
}

export const NO_CUSTOM: ReadonlyMap<string, readonly CustomSignalSpec[]> = new Map();

/** A tiny driver: tick the engine with a topology and per-tick samples, keeping the state. */
export class Driver {
  state: EngineState = INITIAL_ENGINE_STATE;
  last: EngineOutput | undefined;

  constructor(
    public topo: Topology,
    private readonly custom: ReadonlyMap<string, readonly CustomSignalSpec[]> = NO_CUSTOM,
  ) {}

  tick(now: number, s: Samples | undefined): EngineOutput {
    const out = runEngine({ topology: this.topo, samples: s, state: this.state, now, customSignals: this.custom });
    this.state = out.state;
    this.last = out;
    return out;
  }

  /** The published weight of `address` in service `name` at the last tick. */
  weight(name: string, address: string): number {
    return this.last!.services.get(sid(name))!.endpoints.find((e) => e.address === address)!.weight;
  }

  served(name: string, address: string): number | undefined {
    return this.last!.table.get(sid(name))?.get(address);
  }

  endpointState(name: string, address: string): string {
    return this.last!.services.get(sid(name))!.endpoints.find((e) => e.address === address)!.state;
  }
}
