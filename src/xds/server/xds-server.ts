/**
 * The ADS server: a @grpc/grpc-js server with StreamAggregatedResources (SotW) and
 * DeltaAggregatedResources (Delta). It owns the set of open streams, fans each cache
 * flush out to them, and keeps every failure inside the stream it belongs to: nothing
 * thrown by one stream's handling reaches another stream or the process.
 */
import { Server, status, type ServerDuplexStream } from '@grpc/grpc-js';
import type { Registry } from 'prom-client';
import { ERROR_CODES, WeirError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import type { CacheChange, XdsCacheView } from '../cache/xds-cache.js';
import { xdsMetrics } from '../metrics.js';
import type { ClientKind } from '../types.js';
import { adsServiceDefinition, type DeltaDiscoveryRequestMsg, type DiscoveryRequestMsg } from './ads-definition.js';
import { ConvergenceTracker } from './convergence.js';
import { DeltaStream } from './delta-stream.js';
import { DEFAULT_LIMITS, type RequestLimits } from './limits.js';
import { SotwStream } from './sotw-stream.js';
import type { AdsStream, StreamDeps } from './stream-base.js';
import { serverCredentials, type XdsTlsOptions } from './tls.js';

export interface XdsServerOptions {
  /** `host:port` to listen on; port 0 picks a free port. */
  readonly address: string;
  readonly cache: XdsCacheView;
  readonly log: Logger;
  readonly registry: Registry;
  readonly tls?: XdsTlsOptions;
  /** Request limits (names per request, name length). */
  readonly limits?: Partial<RequestLimits>;
  /** Most open streams; further streams are refused with RESOURCE_EXHAUSTED. Default 20 000. */
  readonly maxStreams?: number;
  /** ControlPlane.identifier put in every response. Default 'weir'. */
  readonly controlPlaneId?: string;
}

export interface XdsServer {
  /** The bound `host:port` (port 0 resolved). */
  readonly address: string;
  readonly port: number;
  /** Open streams right now. */
  streamCount(): number;
  /**
   * Stop: refuse new streams, end open ones with UNAVAILABLE (clients reconnect
   * elsewhere), wait up to `graceMs` for them to go, then force the rest.
   */
  stop(graceMs?: number): Promise<void>;
}

export const DEFAULT_MAX_STREAMS = 20_000;

/** Streams served per event-loop turn during a fan-out. */
const FANOUT_SLICE = 64;

type AnyCall = ServerDuplexStream<DiscoveryRequestMsg, Buffer> | ServerDuplexStream<DeltaDiscoveryRequestMsg, Buffer>;

/** Start the ADS server; resolves once it listens. Rejects with WEIR_LISTEN_FAILED. */
export async function startXdsServer(options: XdsServerOptions): Promise<XdsServer> {
  const log = options.log;
  const metrics = xdsMetrics(options.registry);
  const limits: RequestLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const maxStreams = options.maxStreams ?? DEFAULT_MAX_STREAMS;
  const convergence = new ConvergenceTracker((type, seconds) => metrics.convergence.observe({ type_url: type }, seconds));
  const streams = new Map<number, { stream: AdsStream; call: AnyCall }>();
  let nextId = 1;
  let stopping = false;

  // Fan-out runs in slices of FANOUT_SLICE streams, yielding to the event loop between
  // slices: sockets drain while later streams are served (the first streams converge
  // sooner, and at most a slice of responses waits in memory at once). Flushes that
  // arrive meanwhile queue behind, so every stream sees every change in order.
  const queue: { changes: readonly CacheChange[]; started: number }[] = [];
  let fanning = false;
  const fanOut = (changes: readonly CacheChange[]) => {
    for (const change of changes) {
      for (const [type] of change.diffs) {
        const version = change.snapshot.types.get(type)?.version;
        if (version !== undefined) convergence.bump(change.kind, type, version, change.at);
      }
    }
    queue.push({ changes, started: performance.now() });
    if (!fanning) runFanOut();
  };
  const runFanOut = () => {
    const job = queue.shift();
    if (!job || stopping) {
      fanning = false;
      return;
    }
    fanning = true;
    const ids = [...streams.keys()];
    let next = 0;
    const slice = () => {
      const end = Math.min(ids.length, next + FANOUT_SLICE);
      for (; next < end; next++) {
        const id = ids[next] ?? 0;
        const entry = streams.get(id);
        if (!entry) continue;
        for (const change of job.changes) {
          if (entry.stream.kind === change.kind) guard(id, entry, () => entry.stream.onCacheChange(change));
        }
      }
      if (next < ids.length && !stopping) {
        setImmediate(slice);
        return;
      }
      for (const change of job.changes) convergence.seal(change.kind);
      metrics.pushDuration.observe((performance.now() - job.started) / 1000);
      runFanOut();
    };
    slice();
  };
  const unwatch = options.cache.watch(fanOut);

  /** Run stream code; an unexpected throw closes that stream only. */
  const guard = (id: number, entry: { stream: AdsStream; call: AnyCall }, fn: () => void) => {
    try {
      fn();
    } catch (err) {
      log.error({ err, stream: id }, 'xds stream failed; closing it');
      metrics.rejected.inc({ reason: 'internal_error' });
      endCall(entry.call, status.INTERNAL, 'internal error');
      release(id);
    }
  };

  const release = (id: number) => {
    const entry = streams.get(id);
    if (!entry) return;
    streams.delete(id);
    entry.stream.dispose();
    if (entry.stream.kind) metrics.streams.dec({ client_kind: entry.stream.kind, variant: entry.stream.variant });
  };

  const open = <Req>(call: ServerDuplexStream<Req, Buffer>, make: (deps: StreamDeps) => AdsStream & { onRequest(r: Req): void }) => {
    const id = nextId++;
    const peer = safePeer(call);
    if (stopping || streams.size >= maxStreams) {
      metrics.rejected.inc({ reason: stopping ? 'shutting_down' : 'too_many_streams' });
      log.warn({ peer, open: streams.size, maxStreams }, 'xds stream refused');
      endCall(call, stopping ? status.UNAVAILABLE : status.RESOURCE_EXHAUSTED, stopping ? 'server is stopping' : 'too many xDS streams');
      return;
    }
    const deps: StreamDeps = {
      id,
      cache: options.cache,
      metrics,
      convergence,
      limits,
      log: log.child({ stream: id, peer }),
      controlPlane: options.controlPlaneId ?? 'weir',
      write: (bytes) => {
        if (!call.cancelled && call.writable) call.write(bytes);
      },
      close: (code, details) => {
        endCall(call, code, details);
        release(id);
      },
      onIdentified: (kind: ClientKind) => metrics.streams.inc({ client_kind: kind, variant: stream.variant }),
    };
    const stream = make(deps);
    const entry = { stream, call: call as AnyCall };
    streams.set(id, entry);
    call.on('data', (req: Req) => guard(id, entry, () => stream.onRequest(req)));
    call.on('end', () => {
      release(id);
      if (!call.cancelled && call.writable) call.end();
    });
    call.on('cancelled', () => release(id));
    call.on('close', () => release(id));
    // A transport error belongs to this call only; grpc-js turns it into the status.
    call.on('error', (err: Error) => {
      log.debug({ err, stream: id }, 'xds stream error');
      release(id);
    });
  };

  const server = new Server({ 'grpc.keepalive_time_ms': 60_000, 'grpc.keepalive_timeout_ms': 20_000 });
  server.addService(adsServiceDefinition(), {
    StreamAggregatedResources: (call: ServerDuplexStream<DiscoveryRequestMsg, Buffer>) =>
      open(call, (deps) => new SotwStream(deps)),
    DeltaAggregatedResources: (call: ServerDuplexStream<DeltaDiscoveryRequestMsg, Buffer>) =>
      open(call, (deps) => new DeltaStream(deps)),
  });

  const credentials = serverCredentials(options.tls);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(options.address, credentials, (err, bound) => {
      if (err) {
        reject(new WeirError(ERROR_CODES.LISTEN_FAILED, `xDS server cannot listen on ${options.address}`, { cause: err }));
      } else {
        resolve(bound);
      }
    });
  }).catch((err: unknown) => {
    unwatch();
    throw err;
  });
  const host = options.address.slice(0, options.address.lastIndexOf(':'));
  const address = `${host}:${port}`;
  log.info({ address, tls: options.tls ? (options.tls.clientCaFile ? 'mtls' : 'tls') : 'none' }, 'xds server listening');

  return {
    address,
    port,
    streamCount: () => streams.size,
    stop: async (graceMs = 5_000) => {
      if (stopping) return;
      stopping = true;
      unwatch();
      for (const [id, entry] of [...streams]) {
        endCall(entry.call, status.UNAVAILABLE, 'server is stopping');
        release(id);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      log.info({ address }, 'xds server stopped');
    },
  };
}

/** End a call with a status; harmless if it already ended. */
function endCall(call: ServerDuplexStream<unknown, unknown>, code: status, details: string): void {
  if (call.cancelled || !call.writable) return;
  try {
    call.emit('error', { code, details, name: 'XdsStreamClosed', message: details });
  } catch {
    // The call is already torn down: nothing to tell the client.
  }
}

function safePeer(call: ServerDuplexStream<unknown, unknown>): string {
  try {
    return call.getPeer();
  } catch {
    return 'unknown';
  }
}
