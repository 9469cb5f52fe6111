import type { Validated } from '../../lib/errors.js';

/**
 * The behaviour of a demo backend, changeable while it runs.
 *
 * - `serviceTimeMs`: mean service time of one call in milliseconds (> 0). Each call's
 *   time is drawn from a log-normal distribution with this mean (see service-time.ts).
 * - `capacity`: calls served at once (integer ≥ 1). Further calls wait in a FIFO queue,
 *   so latency grows with load as in a real server.
 * - `errorRate`: share of calls, in [0, 1], that fail with UNAVAILABLE.
 * - `failFast`: when true, the failing share fails at once (within ~1 ms, without
 *   queueing or service time: an error sinkhole); when false, it fails after queueing and
 *   its service time, like a server that does the work and then errors.
 */
export interface BackendState {
  readonly serviceTimeMs: number;
  readonly capacity: number;
  readonly errorRate: number;
  readonly failFast: boolean;
}

/** Defaults: 20 ms, 4 at once, no errors. */
export const DEFAULT_BACKEND_STATE: BackendState = Object.freeze({
  serviceTimeMs: 20,
  capacity: 4,
  errorRate: 0,
  failFast: false,
});

/** Upper bounds that keep a typo from wedging the demo: 60 s service time, 10 000 slots. */
const MAX_SERVICE_TIME_MS = 60_000;
const MAX_CAPACITY = 10_000;

/**
 * Validates a partial update from outside (HTTP body, demo button). Unknown fields are
 * errors, so that a misspelt knob is not silently ignored.
 */
export function validateStateUpdate(input: unknown): Validated<Partial<BackendState>> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { valid: false, errors: ['(root): expected a JSON object'] };
  }
  const errors: string[] = [];
  const out: { -readonly [K in keyof BackendState]?: BackendState[K] } = {};
  for (const [key, value] of Object.entries(input).sort(([a], [b]) => a.localeCompare(b))) {
    switch (key) {
      case 'serviceTimeMs':
        if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_SERVICE_TIME_MS) {
          errors.push(`serviceTimeMs: must be a number in (0, ${MAX_SERVICE_TIME_MS}]`);
        } else out.serviceTimeMs = value;
        break;
      case 'capacity':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_CAPACITY) {
          errors.push(`capacity: must be an integer in [1, ${MAX_CAPACITY}]`);
        } else out.capacity = value;
        break;
      case 'errorRate':
        if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
          errors.push('errorRate: must be a number in [0, 1]');
        } else out.errorRate = value;
        break;
      case 'failFast':
        if (typeof value !== 'boolean') errors.push('failFast: must be a boolean');
        else out.failFast = value;
        break;
      default:
        errors.push(`${key}: unknown field (known: capacity, errorRate, failFast, serviceTimeMs)`);
    }
  }
  return errors.length > 0 ? { valid: false, errors } : { valid: true, result: out };
}
