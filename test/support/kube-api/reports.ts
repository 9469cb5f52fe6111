/**
 * Builders of LoopReports for status tests: the engine is not under test here, so
 * weights are made up from the topology.
 */
import type { LoopReport } from '../../../src/control/ports.js';
import type { Decision, EndpointWeight, ServiceWeights, Topology } from '../../../src/model/index.js';

export interface ReportOptions {
  /** Served weight per address (default 100). */
  weight?: (serviceId: string, address: string) => number;
  state?: (serviceId: string, address: string) => EndpointWeight['state'];
  panic?: boolean;
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
        signals: { latencyMs: 12.3456, errorRatio: 0.001 },
        reason: w === 100 ? 'steady' : `latency 300ms > target 250ms`,
        changedAt: w === 100 ? 0 : at,
      };
    });
    services.set(id, {
      serviceId: id,
      mode: svc.policy.mode,
      panic: o.panic ?? false,
      endpoints,
      changedAt: endpoints.some((e) => e.changedAt > 0) ? at : 0,
      metricsAvailable: o.metricsAvailable ?? true,
    });
  }
  return { at, services, decisions: o.decisions ?? [], topology, notices: o.notices ?? new Map() };
}
