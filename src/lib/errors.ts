/**
 * The catalogue of weir's error codes. Callers branch on `code`, never on message text.
 * Add a code here, with a line saying when it is used, before throwing it anywhere.
 */
export const ERROR_CODES = {
  /** A flag, environment variable or config file value is invalid (start-up stops). */
  CONFIG_INVALID: 'WEIR_CONFIG_INVALID',
  /** The signal profiles file is invalid (start-up stops). */
  PROFILES_INVALID: 'WEIR_PROFILES_INVALID',
  /** The endpoints file could not be read or is invalid (the last good state is kept). */
  ENDPOINTS_FILE_INVALID: 'WEIR_ENDPOINTS_FILE_INVALID',
  /** Prometheus answered with an error, garbage, or not in time. */
  PROMETHEUS_QUERY_FAILED: 'WEIR_PROMETHEUS_QUERY_FAILED',
  /** An xDS request broke the protocol (the stream is closed or the request ignored). */
  XDS_BAD_REQUEST: 'WEIR_XDS_BAD_REQUEST',
  /** A resource could not be built or encoded. */
  XDS_RESOURCE_INVALID: 'WEIR_XDS_RESOURCE_INVALID',
  /** A Kubernetes API call failed. */
  KUBE_API_FAILED: 'WEIR_KUBE_API_FAILED',
  /** A server could not listen on its address. */
  LISTEN_FAILED: 'WEIR_LISTEN_FAILED',
  /** A prerequisite program (Prometheus, Chromium) is missing. */
  MISSING_PREREQUISITE: 'WEIR_MISSING_PREREQUISITE',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** Base class of weir's errors: a stable `code`, a message for people, an optional cause. */
export class WeirError extends Error {
  readonly code: ErrorCode;
  /** Field-level details, e.g. one line per invalid field. */
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: readonly string[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WeirError';
    this.code = code;
    this.details = options.details ?? [];
  }
}

/** The result of validating outside input: a value, or every problem found, with field paths. */
export type Validated<T> = { valid: true; result: T } | { valid: false; errors: string[] };

export function isWeirError(err: unknown, code?: ErrorCode): err is WeirError {
  return err instanceof WeirError && (code === undefined || err.code === code);
}
