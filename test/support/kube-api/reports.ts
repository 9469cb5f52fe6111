/**
 * Builders of LoopReports for status tests: the engine is not under test here, so
 * weights are made up from the topology.
 */
import type { LoopReport } from '../../../src/control/ports.js';
import type { Decision, EndpointWeight, ServiceWeights, SmoothedSignals, Topology } from '../../../src/model/index.js';

export interface ReportOptions {
  /** Served weight per address (default 100). */
  weight?: (serviceId: string, address: string) => number;
  state?: (serviceId: string, address: string) => EndpointWeight['state'];
  panic?: boolean | ((serviceId: string) => boolean);
  /** Why each weight last changed (default: a latency reason when not 100). */
  reason?: (serviceId: string, address: string) => string;
  signals?: (serviceId: string, address: string) => SmoothedSignals;
  /** When each weight last changed (default: `at` when not 100, else never). */
  changedAt?: (serviceId: string, address: string) => number;
  metricsAvailable?: boolean;
  decisions?: Decision[];
  notices?: Map<string, string[]>;
}

export function reportFor(topology: Topology, at: number, o: ReportOptions = {}): LoopReport {
  const services = new Map<string, ServiceWeights>();
  for (const [id, svc] of topology.services) {
    const endpoints = svc.endpoints.map((e): EndpointWeight => {
      const w = o.weight?.(id, e.address) ?? 100;
      return {
        address: e.address,
        weight: w,
        served: svc.policy.mode === 'shadow' ? 100 : w,
        state: o.state?.(id, e.address) ?? 'healthy',
        signals: o.signals?.(id, e.address) ?? { latencyMs: 12.3456, errorRatio: 0.001 },
        reason: o.reason?.(id, e.address) ?? (w === 100 ? 'steady' : `latency 300ms > target 250ms`),
        changedAt: o.changedAt?.(id, e.address) ?? (w === 100 ? 0 : at),
      };
    });
    services.set(id, {
      serviceId: id,
      mode: svc.policy.mode,
      panic: typeof o.panic === 'function' ? o.panic(id) : (o.panic ?? false),
      endpoints,
      changedAt: Math.max(0, ...endpoints.map((e) => e.changedAt)),
      metricsAvailable: o.metricsAvailable ?? true,
    });
  }
  return { at, services, decisions: o.decisions ?? [], topology, notices: o.notices ?? new Map() };
}
