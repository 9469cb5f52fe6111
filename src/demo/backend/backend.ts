import { performance } from 'node:perf_hooks';
import type http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { ERROR_CODES, WeirError } from '../../lib/errors.js';
import { silentLogger, type Logger } from '../../lib/log.js';
import { loadBackendService, type CallReply, type CallRequest } from './backend-proto.js';
import { startControlServer } from './control-server.js';
import { FifoLimiter } from './fifo-limiter.js';
import { createBackendMetrics } from './metrics.js';
import { RateWindow } from './rate-window.js';
import { sampleServiceTimeMs } from './service-time.js';
import { DEFAULT_BACKEND_STATE, validateStateUpdate, type BackendState } from './state.js';

/** How to start a demo backend. Every state field defaults to {@link DEFAULT_BACKEND_STATE}. */
export interface BackendOptions extends Partial<BackendState> {
  /** Name returned in every reply and used in logs (e.g. `backend-1`). */
  readonly name: string;
  /** Address to listen on; loopback by default. */
  readonly host?: string;
  /** gRPC port; 0 (default) picks a free one. */
  readonly grpcPort?: number;
  /** HTTP port of /metrics and /state; 0 (default) picks a free one. */
  readonly httpPort?: number;
  /**
   * Serve ORCA load reports (gRFC A51) out of band, through the OpenRcaService:
   * application utilisation = in-flight / capacity (in-flight counts queued calls, so it
   * exceeds 1 when overloaded); qps and eps over the last 2 s.
   */
  readonly orca?: boolean;
  /**
   * Also attach an ORCA report to every call's trailers. Costly with @grpc/grpc-js
   * 1.14.7: its `loadOrcaProto()` never caches, so every per-call report parses the ORCA
   * protos again on the server (and on the client that reads it), ~100 ms of CPU per
   * call on a loaded machine. Off by default; use out-of-band reports instead.
   */
  readonly orcaPerCall?: boolean;
  /** Uniform random source in [0, 1); Math.random by default (tests may seed one). */
  readonly random?: () => number;
  readonly logger?: Logger;
}

/** Counts since start. `inflight` includes `queued`. */
export interface BackendStats {
  readonly served: number;
  readonly errors: number;
  readonly inflight: number;
  readonly queued: number;
}

/** A running demo backend. */
export interface Backend {
  readonly name: string;
  /** `127.0.0.1:PORT`, ready for a gRPC target. */
  readonly grpcAddress: string;
  readonly grpcPort: number;
  /** `http://127.0.0.1:PORT/metrics` */
  readonly metricsUrl: string;
  /** `http://127.0.0.1:PORT/state` (GET the state, POST a partial update). */
  readonly controlUrl: string;
  /** Applies a partial update at once (calls already queued see it when they start). Throws WEIR_CONFIG_INVALID on a bad value. */
  set(update: Partial<BackendState>): BackendState;
  state(): BackendState;
  /** A snapshot of the counters. */
  readonly stats: BackendStats;
  /** Stops both servers; calls still waiting are cancelled. Idempotent. */
  stop(): Promise<void>;
}

/** Sampling period and window of the out-of-band ORCA utilisation (100 ms × 10 = 1 s). */
const ORCA_SAMPLE_MS = 100;
const ORCA_SAMPLES = 10;

/** Grace period for in-flight calls on stop before they are cancelled, in ms. */
const SHUTDOWN_GRACE_MS = 500;

/**
 * Starts a demo backend: a gRPC server serving `weir.demo.v1.Backend/Call` and an HTTP
 * server for /metrics and /state, both on loopback ports picked by the OS.
 *
 * A call's life: on arrival it counts as in flight. If `failFast` is on and it falls in the
 * `errorRate` share, it fails with UNAVAILABLE at once. Otherwise it waits for a slot (FIFO,
 * `capacity` at once), is served for a log-normal time around `serviceTimeMs` drawn when
 * it starts, and then fails with UNAVAILABLE with probability `errorRate` (unless
 * `failFast`) or answers `{ backend: name }`. The recorded duration runs from arrival, so
 * it includes queueing.
 */
export async function startBackend(opts: BackendOptions): Promise<Backend> {
  const initial = validateStateUpdate({
    serviceTimeMs: opts.serviceTimeMs ?? DEFAULT_BACKEND_STATE.serviceTimeMs,
    capacity: opts.capacity ?? DEFAULT_BACKEND_STATE.capacity,
    errorRate: opts.errorRate ?? DEFAULT_BACKEND_STATE.errorRate,
    failFast: opts.failFast ?? DEFAULT_BACKEND_STATE.failFast,
  });
  if (!initial.valid) {
    throw new WeirError(ERROR_CODES.CONFIG_INVALID, `backend ${opts.name}: invalid options`, { details: initial.errors });
  }
  let state: BackendState = Object.freeze({ ...DEFAULT_BACKEND_STATE, ...initial.result });
  const host = opts.host ?? '127.0.0.1';
  const random = opts.random ?? Math.random;
  const log = (opts.logger ?? silentLogger()).child({ component: 'demo-backend', backend: opts.name });
  const metrics = createBackendMetrics();
  const limiter = new FifoLimiter(state.capacity);
  const completed = new RateWindow();
  const failed = new RateWindow();
  const timers = new Set<NodeJS.Timeout>();
  const orcaOob = opts.orca ? new grpc.ServerMetricRecorder() : undefined;
  // The out-of-band report is refreshed every ORCA_SAMPLE_MS with the mean utilisation over
  // the last ORCA_SAMPLES samples: a report read once per reporting period should describe
  // that period, not the instant it was read.
  const utilSamples: number[] = [];
  const orcaSampler = orcaOob
    ? setInterval(() => {
        const now = performance.now();
        utilSamples.push(utilisation());
        if (utilSamples.length > ORCA_SAMPLES) utilSamples.shift();
        orcaOob.setApplicationUtilizationMetric(utilSamples.reduce((a, b) => a + b, 0) / utilSamples.length);
        orcaOob.setQpsMetric(completed.ratePerSecond(now));
        orcaOob.setEpsMetric(failed.ratePerSecond(now));
      }, ORCA_SAMPLE_MS)
    : undefined;
  orcaSampler?.unref();
  let served = 0;
  let errors = 0;
  let inflight = 0;
  let stopped = false;
  metrics.setCapacity(state.capacity);
  metrics.setInflight(0);

  const utilisation = (): number => inflight / state.capacity;

  function finish(
    call: grpc.ServerUnaryCall<CallRequest, CallReply>,
    callback: grpc.sendUnaryData<CallReply>,
    arrival: number,
    fail: boolean,
  ): void {
    const now = performance.now();
    completed.add(now);
    if (fail) failed.add(now);
    // Measured before this call leaves, so the report is never 0 (weighted_round_robin
    // ignores a report with zero utilisation).
    if (opts.orcaPerCall) {
      const recorder = call.getMetricsRecorder();
      recorder.recordApplicationUtilizationMetric(utilisation());
      recorder.recordQpsMetric(completed.ratePerSecond(now));
      recorder.recordEpsMetric(failed.ratePerSecond(now));
    }
    inflight -= 1;
    metrics.setInflight(inflight);
    metrics.observe(fail ? '503' : '200', (now - arrival) / 1000);
    if (fail) {
      errors += 1;
      callback({ code: grpc.status.UNAVAILABLE, details: `${opts.name}: injected failure` });
    } else {
      served += 1;
      callback(null, { backend: opts.name });
    }
  }

  function handleCall(
    call: grpc.ServerUnaryCall<CallRequest, CallReply>,
    callback: grpc.sendUnaryData<CallReply>,
  ): void {
    const arrival = performance.now();
    inflight += 1;
    metrics.setInflight(inflight);
    if (state.failFast && random() < state.errorRate) {
      finish(call, callback, arrival, true);
      return;
    }
    const slot = limiter.acquire();
    // A call cancelled while queued (its deadline passed) gives up its place and leaves;
    // one already in service runs to the end, as a real server's work would.
    let admitted = false;
    let gone = false;
    const onCancelled = (): void => {
      if (admitted || gone) return;
      gone = true;
      slot.cancel();
      inflight -= 1;
      metrics.setInflight(inflight);
    };
    call.once('cancelled', onCancelled);
    slot.admitted.then(
      () => {
        call.off('cancelled', onCancelled);
        admitted = true;
        if (stopped || gone) {
          // Cancelled between the admission and this continuation: hand the slot on.
          limiter.release();
          return;
        }
        const serviceMs = sampleServiceTimeMs(state.serviceTimeMs, random);
        const capacity = state.capacity;
        const timer = setTimeout(() => {
          timers.delete(timer);
          limiter.release();
          metrics.addBusy(serviceMs / 1000 / capacity);
          finish(call, callback, arrival, !state.failFast && random() < state.errorRate);
        }, serviceMs);
        timers.add(timer);
      },
      () => undefined,
    );
    if (call.cancelled) onCancelled();
  }

  const server = new grpc.Server(opts.orcaPerCall ? { 'grpc.server_call_metric_recording': 1 } : {});
  server.addService(loadBackendService().service, { Call: handleCall });
  orcaOob?.addToServer(server);
  const grpcPort = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${opts.grpcPort ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, port) => {
      if (err) reject(new WeirError(ERROR_CODES.LISTEN_FAILED, `backend ${opts.name}: gRPC cannot listen`, { cause: err }));
      else resolve(port);
    });
  });

  function set(update: Partial<BackendState>): BackendState {
    const checked = validateStateUpdate(update);
    if (!checked.valid) {
      throw new WeirError(ERROR_CODES.CONFIG_INVALID, `backend ${opts.name}: invalid update`, { details: checked.errors });
    }
    state = Object.freeze({ ...state, ...checked.result });
    limiter.setCapacity(state.capacity);
    metrics.setCapacity(state.capacity);
    log.info({ ...state }, 'backend state changed');
    return state;
  }

  const statsSnapshot = (): BackendStats => ({ served, errors, inflight, queued: limiter.queued });

  let http: { server: http.Server; port: number };
  try {
    http = await startControlServer(
      { registry: metrics.registry, state: () => state, set, stats: () => ({ ...statsSnapshot() }) },
      host,
      opts.httpPort ?? 0,
    );
  } catch (err) {
    server.forceShutdown();
    throw err;
  }
  log.info({ grpcPort, httpPort: http.port, ...state }, 'backend started');

  let stopping: Promise<void> | undefined;
  async function stop(): Promise<void> {
    stopping ??= (async () => {
      stopped = true;
      if (orcaSampler) clearInterval(orcaSampler);
      limiter.clear();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, SHUTDOWN_GRACE_MS);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      http.server.closeAllConnections();
      await new Promise<void>((resolve) => http.server.close(() => resolve()));
      log.info({ served, errors }, 'backend stopped');
    })();
    return stopping;
  }

  return {
    name: opts.name,
    grpcAddress: `${host}:${grpcPort}`,
    grpcPort,
    metricsUrl: `http://${host}:${http.port}/metrics`,
    controlUrl: `http://${host}:${http.port}/state`,
    set,
    state: () => state,
    get stats() {
      return statsSnapshot();
    },
    stop,
  };
}
