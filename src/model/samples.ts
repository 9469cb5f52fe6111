/**
 * What the signals layer measured for each endpoint in one tick. Raw (not smoothed):
 * smoothing is the engine's job. A field that is absent means "no data", never "bad".
 */
export interface EndpointSample {
  /** Latency quantile (the profile says which), in ms. */
  readonly latencyMs?: number;
  /** Errors / requests over the window, 0..1. */
  readonly errorRatio?: number;
  /** Requests per second over the window (calls answered). */
  readonly requestRate?: number;
  /**
   * Calls accepted and not yet answered, now (a gauge such as OpenTelemetry's
   * `http.server.active_requests`). With `requestRate` it shows a backend that stopped
   * answering, whose latency histogram gets no observations at all, and a backlog
   * building before the histogram's window shows it (src/feedback/inflight.ts).
   */
  readonly inflight?: number;
  /** CPU utilisation, 0..1 (of the container's limit or request). */
  readonly cpu?: number;
  /** Memory utilisation, 0..1. */
  readonly memory?: number;
  /** Operator-defined signals by name (direction and threshold are in the policy). */
  readonly custom?: Readonly<Record<string, number>>;
}

/** Samples of one tick: serviceId → endpoint address → sample. */
export interface Samples {
  /** When the samples were taken, ms since the epoch. */
  readonly at: number;
  readonly services: ReadonlyMap<string, ReadonlyMap<string, EndpointSample>>;
  /**
   * serviceIds whose signal source failed this tick (Prometheus down, timeout, garbage):
   * their data is stale, which is not the same as "no data for an endpoint".
   */
  readonly failed: ReadonlySet<string>;
}

/** A custom signal of a profile, as the engine needs it. */
export interface CustomSignalSpec {
  readonly name: string;
  /** 'higher-is-better' (success rate) or 'lower-is-better' (queue depth). */
  readonly direction: 'higher-is-better' | 'lower-is-better';
  /** The value past which the endpoint counts as degraded on this signal. */
  readonly threshold: number;
}
