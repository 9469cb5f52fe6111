/**
 * The composition root: the only module that knows every part. It builds them from a
 * validated WeirConfig in dependency order, wires them in one direction
 * (discovery + signals → loop → xDS cache → ADS streams; loop → status, HTTP), and owns
 * start and stop. Stop order: stop computing, release the lease, drain xDS streams,
 * close HTTP and discovery.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import { ControlLoop } from '../control/loop.js';
import type { ReportSink, TopologySource } from '../control/ports.js';
import { FileDiscovery } from '../discovery/file/index.js';
import { startHttpServer, ReportHub, type HttpRoute, type RunningHttpServer } from '../http/index.js';
import { ERROR_CODES, WeirError } from '../lib/errors.js';
import { silentLogger, type Logger } from '../lib/log.js';
import type { Topology } from '../model/index.js';
import { createXdsCache, startXdsServer, type XdsServer } from '../xds/index.js';
import { buildResources } from '../xds/resources/index.js';
import { parseHostPort, type WeirConfig } from './config.js';
import { startSignals } from './signals.js';
import { startKube, type KubeParts } from './kube.js';

export interface WeirDeps {
  readonly log?: Logger;
  /** Metrics registry; a fresh one (with process metrics) by default. */
  readonly registry?: Registry;
  /** Extra HTTP routes (the demo's backend controls). */
  readonly httpRoutes?: readonly HttpRoute[];
  /** The clock, ms since the epoch. */
  readonly now?: () => number;
}

export interface RunningWeir {
  /** Bound `host:port` of the xDS server (port 0 resolved). */
  readonly xdsAddress: string;
  readonly xdsPort: number;
  /** Base URL of the HTTP server, e.g. `http://127.0.0.1:9090`. */
  readonly httpUrl: string;
  readonly httpPort: number;
  readonly registry: Registry;
  readonly loop: ControlLoop;
  /** Stop everything; idempotent. */
  stop(): Promise<void>;
}

/** How long SIGTERM waits for xDS streams to move elsewhere before forcing them closed. */
const XDS_DRAIN_MS = 5_000;

/** Start weir from a validated configuration. On failure everything started is stopped again. */
export async function startWeir(config: WeirConfig, deps: WeirDeps = {}): Promise<RunningWeir> {
  const log = deps.log ?? silentLogger();
  const registry = deps.registry ?? new Registry();
  if (!deps.registry) collectDefaultMetrics({ register: registry, prefix: 'weir_' });
  const cleanups: (() => Promise<void> | void)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch (err) {
        log.warn({ err }, 'error while stopping');
      }
    }
  };

  try {
    // Signals first: an invalid profiles file stops start-up before any server listens.
    const signals = startSignals(config, { log: log.child({ component: 'signals' }), registry });

    let topology: TopologySource;
    let kube: KubeParts | undefined;
    if (config.discovery === 'file') {
      const file = await FileDiscovery.start({
        path: config.endpointsFile!,
        log: log.child({ component: 'discovery' }),
        registry,
      });
      cleanups.push(() => file.stop());
      topology = file;
    } else {
      kube = await startKube(config, { log, registry });
      cleanups.push(() => kube!.stop());
      topology = kube.discovery;
    }

    const cache = createXdsCache({
      build: buildResources,
      log: log.child({ component: 'xds-cache' }),
      registry,
      holdOffMs: config.xdsHoldOffMs,
    });
    cleanups.push(() => cache.close());
    const xds: XdsServer = await startXdsServer({
      address: config.xdsAddress,
      cache,
      log: log.child({ component: 'xds' }),
      registry,
      ...(config.xdsTls ? { tls: config.xdsTls } : {}),
    }).catch((cause: unknown) => {
      throw new WeirError(ERROR_CODES.LISTEN_FAILED, `xDS server cannot listen on ${config.xdsAddress}`, { cause });
    });
    cleanups.push(() => xds.stop(XDS_DRAIN_MS));

    const hub = new ReportHub((err) => log.warn({ err }, 'report listener failed'));
    const sinks: ReportSink[] = [hub];
    if (kube?.status) sinks.push(kube.status);

    const loop = new ControlLoop({
      topology,
      ...(signals.source ? { metrics: signals.source } : {}),
      publisher: cache,
      sinks,
      intervalMs: config.intervalMs,
      fetchTimeoutMs: Math.max(config.intervalMs, config.prometheusTimeoutMs),
      customSignals: signals.customSignals,
      notices: (t: Topology) => signals.notices(t),
      ...(kube?.election ? { isLeader: () => kube!.election!.isLeader() } : {}),
      ...(kube?.followed ? { followerWeights: () => kube!.followed!.current() } : {}),
      log: log.child({ component: 'loop' }),
      registry,
      ...(deps.now ? { now: deps.now } : {}),
    });

    const http = parseHostPort(config.httpAddress)!;
    let server: RunningHttpServer;
    try {
      server = await startHttpServer({
        host: http.host,
        port: http.port,
        registry,
        feed: hub,
        ready: () => {
          const reasons: string[] = [];
          if (!topology.synced()) reasons.push('discovery has not synced yet');
          if (!loop.latest() && !(kube?.election && !kube.election.isLeader())) reasons.push('no control loop tick yet');
          return { ready: reasons.length === 0, reasons };
        },
        ...(deps.httpRoutes ? { routes: deps.httpRoutes } : {}),
        log: log.child({ component: 'http' }),
      });
    } catch (cause) {
      throw new WeirError(ERROR_CODES.LISTEN_FAILED, `HTTP server cannot listen on ${config.httpAddress}`, { cause });
    }
    cleanups.push(() => server.stop());

    loop.start();
    cleanups.push(() => loop.stop());
    // Right after the loop stops computing: give up the lease before draining xDS.
    if (kube?.election) cleanups.push(() => kube!.election!.stop());
    log.info(
      { xds: xds.address, http: server.url, discovery: config.discovery, prometheus: config.prometheusUrl ?? null },
      'weir started',
    );

    let stopped: Promise<void> | undefined;
    return {
      xdsAddress: xds.address,
      xdsPort: xds.port,
      httpUrl: server.url,
      httpPort: server.port,
      registry,
      loop,
      stop: () => {
        stopped ??= stopAll().then(() => log.info('weir stopped'));
        return stopped;
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
