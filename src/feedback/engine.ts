/**
 * The engine's entry point: one tick over every service of the topology, in sorted
 * order, each independent of the others (a service's failure to fetch never touches
 * another's weights).
 */
import type {
  CustomSignalSpec,
  Decision,
  Samples,
  ServiceWeights,
  Topology,
  WeightTable,
} from '../model/index.js';
import { tickService } from './service-tick.js';
import type { EngineState, ServiceMemory } from './state.js';

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
  /** serviceId → report, for every service of the topology, in sorted order. */
  readonly services: ReadonlyMap<string, ServiceWeights>;
  /**
   * What to serve: serviceId → address → integer weight in [1, FAIR_WEIGHT] for the ready
   * endpoints of every service (equal weights in shadow mode; in panic equal, or by
   * capacity with a CPU signal).
   */
  readonly table: WeightTable;
  /** The state to pass to the next tick: plain, serialisable data. */
  readonly state: EngineState;
  /** Every change of a published weight, ejection, panic and staleness, with a reason. */
  readonly decisions: readonly Decision[];
}

const NO_SPECS: readonly CustomSignalSpec[] = Object.freeze([]);

/**
 * Run one tick. Pure: identical inputs give deep-equal outputs; nothing of the input is
 * modified. Services absent from the topology are forgotten.
 */
export function runEngine(input: EngineInput): EngineOutput {
  const { topology, samples, state, now } = input;
  const services = new Map<string, ServiceWeights>();
  const table = new Map<string, ReadonlyMap<string, number>>();
  const memories: Record<string, ServiceMemory> = {};
  const decisions: Decision[] = [];
  for (const id of [...topology.services.keys()].sort()) {
    const service = topology.services.get(id)!;
    const failed = samples === undefined || samples.failed.has(id);
    const out = tickService({
      service,
      id,
      previous: state.services[id],
      samples: failed ? undefined : samples.services.get(id),
      sampleAt: samples?.at ?? 0,
      now,
      specs: input.customSignals.get(service.policy.profile) ?? NO_SPECS,
    });
    services.set(id, out.report);
    table.set(id, out.row);
    memories[id] = out.memory;
    for (const d of out.decisions) decisions.push(d);
  }
  return { services, table, state: { version: 2, services: memories }, decisions };
}
