/**
 * Which Events a tick deserves, as plain intents (pure). The recorder aggregates and
 * de-duplicates them; the status writer decides when a summary of weight shifts is due.
 */
import type { Decision, Service } from '../model/index.js';

export type EventType = 'Normal' | 'Warning';

export interface EventIntent {
  readonly serviceId: string;
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
}

/** The Event reasons weir uses, for docs and tests. */
export const EVENT_REASONS = {
  shifted: 'WeightsShifted',
  ejected: 'EndpointEjected',
  restored: 'EndpointRestored',
  panicEntered: 'PanicEntered',
  panicLeft: 'PanicLeft',
  stale: 'SignalsStale',
  invalidAnnotation: 'InvalidAnnotation',
  invalidEndpoints: 'InvalidEndpoints',
  notice: 'ControllerNotice',
} as const;

const describeEndpoint = (address: string, service: Service | undefined): string => {
  const pod = service?.endpoints.find((e) => e.address === address)?.pod;
  return pod ? `${address} (pod ${pod})` : address;
};

/**
 * Events for decisions other than shifts, one per decision: ejections, restorations,
 * panic and staleness. Shifts are summarised by {@link summariseShifts}.
 */
export function decisionEvents(decisions: readonly Decision[], service: Service | undefined): EventIntent[] {
  const out: EventIntent[] = [];
  for (const d of decisions) {
    const ep = d.endpoint === undefined ? '' : describeEndpoint(d.endpoint, service);
    const base = { serviceId: d.serviceId };
    switch (d.kind) {
      case 'eject':
        out.push({ ...base, type: 'Warning', reason: EVENT_REASONS.ejected, message: `Endpoint ${ep} ejected: ${d.reason}` });
        break;
      case 'restore':
        out.push({ ...base, type: 'Normal', reason: EVENT_REASONS.restored, message: `Endpoint ${ep} restored: ${d.reason}` });
        break;
      case 'panic-enter':
        out.push({ ...base, type: 'Warning', reason: EVENT_REASONS.panicEntered, message: `Panic mode: ${d.reason}` });
        break;
      case 'panic-exit':
        out.push({ ...base, type: 'Normal', reason: EVENT_REASONS.panicLeft, message: `Panic mode left: ${d.reason}` });
        break;
      case 'stale':
        out.push({ ...base, type: 'Warning', reason: EVENT_REASONS.stale, message: `Signals stale${ep ? ` for ${ep}` : ''}: weights hold: ${d.reason}` });
        break;
      default:
        break;
    }
  }
  return out;
}

/**
 * One summary of the weight shifts since the last summary: how many endpoints moved,
 * the largest moves first (at most three named), from the previous served weights.
 */
export function summariseShifts(
  serviceId: string,
  before: ReadonlyMap<string, number>,
  after: readonly { readonly address: string; readonly served: number; readonly reason: string }[],
  service: Service | undefined,
): EventIntent | undefined {
  const moves = after
    .filter((w) => before.has(w.address) && before.get(w.address) !== w.served)
    .map((w) => ({ w, from: before.get(w.address)!, delta: Math.abs(w.served - before.get(w.address)!) / Math.max(1, before.get(w.address)!) }))
    .sort((a, b) => b.delta - a.delta || (a.w.address < b.w.address ? -1 : 1));
  if (moves.length === 0) return undefined;
  const named = moves
    .slice(0, 3)
    .map((m) => `${describeEndpoint(m.w.address, service)} ${m.from}→${m.w.served}${m.w.reason ? ` (${m.w.reason})` : ''}`);
  const more = moves.length > 3 ? `; and ${moves.length - 3} more` : '';
  return {
    serviceId,
    type: 'Normal',
    reason: EVENT_REASONS.shifted,
    message: `Weights shifted on ${moves.length} of ${after.length} endpoint(s): ${named.join('; ')}${more}`,
  };
}

/** Warnings for a Service's input problems (bad annotations, malformed EndpointSlices) and loop notices. */
export function problemEvents(serviceId: string, service: Service | undefined, notices: readonly string[]): EventIntent[] {
  const out: EventIntent[] = [];
  for (const p of service?.problems ?? []) {
    out.push({
      serviceId,
      type: 'Warning',
      reason: EVENT_REASONS.invalidAnnotation,
      message: `Annotation ${p.annotation}: value "${p.value}": ${p.reason}`,
    });
  }
  for (const p of service?.sourceProblems ?? []) {
    out.push({ serviceId, type: 'Warning', reason: EVENT_REASONS.invalidEndpoints, message: `${p.object}: ${p.reason}` });
  }
  for (const n of notices) out.push({ serviceId, type: 'Warning', reason: EVENT_REASONS.notice, message: n });
  return out;
}
