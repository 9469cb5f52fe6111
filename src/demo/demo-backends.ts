/**
 * The demo's five backends and what the dashboard's buttons do to them. Pure data and
 * pure functions: demo.ts starts the backends, demo-routes.ts applies the actions.
 */
import type { BackendState } from './backend/index.js';

/** One backend of the demo: a name, its own loopback address, and its normal self. */
export interface DemoBackendSpec {
  readonly name: string;
  /**
   * Each backend has its own loopback address (Linux routes all of 127.0.0.0/8 to lo):
   * an endpoint's identity in weir is its address, so five backends on 127.0.0.1 would
   * be one endpoint.
   */
  readonly host: string;
  /** Mean service time when healthy, ms. */
  readonly serviceTimeMs: number;
  /** Calls served at once. */
  readonly capacity: number;
}

/**
 * Different capacities, so that weir has something to find: at the demo's default
 * 100 calls/s split evenly, backend-5 runs at 40% of what it can serve and backend-1
 * at 5%. Slowed down five times, backend-5 can serve 10 calls/s: less than its share,
 * so its queue (and latency) grows until weir moves traffic away.
 */
export const DEMO_BACKENDS: readonly DemoBackendSpec[] = [
  { name: 'backend-1', host: '127.0.0.11', serviceTimeMs: 20, capacity: 8 },
  { name: 'backend-2', host: '127.0.0.12', serviceTimeMs: 20, capacity: 6 },
  { name: 'backend-3', host: '127.0.0.13', serviceTimeMs: 25, capacity: 4 },
  { name: 'backend-4', host: '127.0.0.14', serviceTimeMs: 30, capacity: 3 },
  { name: 'backend-5', host: '127.0.0.15', serviceTimeMs: 40, capacity: 2 },
];

/** What a dashboard button does. */
export type DemoAction = 'slow' | 'break' | 'fail-fast' | 'heal';
export const DEMO_ACTIONS: readonly DemoAction[] = ['slow', 'break', 'fail-fast', 'heal'];

/** A backend's condition, as the dashboard shows it (derived from its state). */
export type DemoCondition = 'healthy' | 'slow' | 'broken' | 'failing';

/** Share of calls that fail after "break". */
export const BREAK_ERROR_RATE = 0.3;
/** Factor of the service time after "slow". */
export const SLOW_FACTOR = 5;

/** The state update that `action` makes on `spec`'s backend. */
export function stateFor(spec: DemoBackendSpec, action: DemoAction): Partial<BackendState> {
  switch (action) {
    case 'slow':
      return { serviceTimeMs: spec.serviceTimeMs * SLOW_FACTOR, errorRate: 0, failFast: false };
    case 'break':
      return { serviceTimeMs: spec.serviceTimeMs, errorRate: BREAK_ERROR_RATE, failFast: false };
    case 'fail-fast':
      // An error sinkhole: every call fails within a millisecond, the case that fools
      // least-request balancers into sending it more.
      return { serviceTimeMs: spec.serviceTimeMs, errorRate: 1, failFast: true };
    case 'heal':
      return { serviceTimeMs: spec.serviceTimeMs, errorRate: 0, failFast: false };
  }
}

/** The condition of a backend in `state`, judged against its normal self. */
export function conditionOf(spec: DemoBackendSpec, state: BackendState): DemoCondition {
  if (state.errorRate > 0 && state.failFast) return 'failing';
  if (state.errorRate > 0) return 'broken';
  if (state.serviceTimeMs > spec.serviceTimeMs) return 'slow';
  return 'healthy';
}

export function isDemoAction(value: unknown): value is DemoAction {
  return typeof value === 'string' && (DEMO_ACTIONS as readonly string[]).includes(value);
}
