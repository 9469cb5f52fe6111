/**
 * Builders of synthetic LoopReports for the HTTP layer's tests (and the dashboard test
 * that runs without the rest of weir).
 */
import type { LoopReport } from '../../../src/control/ports.js';
import {
  DEFAULT_POLICY,
  type AnnotationProblem,
  type Endpoint,
  type EndpointState,
  type Mode,
  type Service,
  type ServiceWeights,
} from '../../../src/model/index.js';

export interface FixtureEndpoint {
  address: string;
  pod?: string;
  zone?: string;
  weight: number;
  served?: number;
  state?: EndpointState;
  latencyMs?: number;
  errorRatio?: number;
  requestRate?: number;
  reason?: string;
  changedAt?: number;
}

export interface FixtureService {
  namespace: string;
  name: string;
  port?: number;
  mode?: Mode;
  panic?: boolean;
  metricsAvailable?: boolean;
  changedAt?: number;
  problems?: AnnotationProblem[];
  notices?: string[];
  endpoints: FixtureEndpoint[];
}

/** A LoopReport at `at` with the given services (endpoints in the order given). */
export function buildReport(at: number, services: FixtureService[]): LoopReport {
  const topo = new Map<string, Service>();
  const weights = new Map<string, ServiceWeights>();
  const notices = new Map<string, readonly string[]>();
  for (const s of services) {
    const id = `${s.namespace}/${s.name}`;
    const mode = s.mode ?? 'enforce';
    const endpoints: Endpoint[] = s.endpoints.map((e) => ({
      address: e.address,
      ports: { grpc: 9000 },
      ...(e.pod === undefined ? {} : { pod: e.pod }),
      zone: e.zone ?? '',
      ready: true,
      serving: true,
      terminating: false,
    }));
    topo.set(id, {
      key: { namespace: s.namespace, name: s.name },
      ports: [{ name: 'grpc', port: s.port ?? 9000, protocol: 'TCP' }],
      endpoints,
      policy: { ...DEFAULT_POLICY, mode },
      problems: s.problems ?? [],
    });
    weights.set(id, {
      serviceId: id,
      mode,
      panic: s.panic ?? false,
      metricsAvailable: s.metricsAvailable ?? true,
      changedAt: s.changedAt ?? 0,
      endpoints: s.endpoints.map((e) => ({
        address: e.address,
        weight: e.weight,
        served: e.served ?? e.weight,
        state: e.state ?? 'healthy',
        signals: {
          ...(e.latencyMs === undefined ? {} : { latencyMs: e.latencyMs }),
          ...(e.errorRatio === undefined ? {} : { errorRatio: e.errorRatio }),
          ...(e.requestRate === undefined ? {} : { requestRate: e.requestRate }),
        },
        reason: e.reason ?? 'steady',
        changedAt: e.changedAt ?? 0,
      })),
    });
    if (s.notices) notices.set(id, s.notices);
  }
  return { at, services: weights, decisions: [], topology: { services: topo }, notices };
}
