import type {
  CustomSignalSpec,
  Decision,
  EndpointWeight,
  Samples,
  ServiceWeights,
  Topology,
  WeightTable,
} from '../model/index.js';
import { FAIR_WEIGHT } from './quantise.js';
import type { EngineState } from './state.js';

/** One tick's input. */
export interface EngineInput {
  readonly topology: Topology;
  /** undefined = no fetch yet, or the fetch failed for every service. */
  readonly samples: Samples | undefined;
  /** The previous tick's `state` (INITIAL_ENGINE_STATE at first). */
  readonly state: EngineState;
  /** ms since the epoch: the engine's only clock. */
  readonly now: number;
  /** Profile name → its custom signal specs. */
  readonly customSignals: ReadonlyMap<string, readonly CustomSignalSpec[]>;
}

/** One tick's output. */
export interface EngineOutput {
  /** serviceId → report, for every service of the topology. */
  readonly services: ReadonlyMap<string, ServiceWeights>;
  /** What to serve: integers ≥ 1 for the ready endpoints of every service. */
  readonly table: WeightTable;
  readonly state: EngineState;
  /** Every change of a served weight or of a service's mode, with a reason. */
  readonly decisions: readonly Decision[];
}

/** Skeleton: equal weights for every ready endpoint (the real control follows). */
export function runEngine(input: EngineInput): EngineOutput {
  const services = new Map<string, ServiceWeights>();
  const table = new Map<string, ReadonlyMap<string, number>>();
  for (const id of [...input.topology.services.keys()].sort()) {
    const service = input.topology.services.get(id)!;
    const endpoints: EndpointWeight[] = [];
    const row = new Map<string, number>();
    for (const ep of service.endpoints) {
      if (!ep.ready) continue;
      row.set(ep.address, FAIR_WEIGHT);
      endpoints.push({
        address: ep.address,
        weight: FAIR_WEIGHT,
        served: FAIR_WEIGHT,
        state: 'healthy',
        signals: {},
        reason: '',
        changedAt: 0,
      });
    }
    table.set(id, row);
    services.set(id, {
      serviceId: id,
      mode: service.policy.mode,
      panic: false,
      endpoints,
      changedAt: 0,
      metricsAvailable: input.samples !== undefined && !input.samples.failed.has(id),
    });
  }
  return { services, table, state: input.state, decisions: [] };
}
