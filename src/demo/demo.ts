/**
 * `weir demo`: the whole loop on one machine, on loopback. Five backends with different
 * capacities, a real Prometheus scraping them every second, weir with file discovery,
 * and a real gRPC xDS client sending a steady load through the weights weir serves; the
 * dashboard shows it all and its buttons break and heal backends.
 *
 * Start order follows the data: backends → endpoints file → Prometheus → weir → load.
 * Stop order is the reverse, and removes the temporary folder.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { parseConfig } from '../app/config.js';
import { startWeir, type RunningWeir } from '../app/weir.js';
import { ERROR_CODES, isWeirError, WeirError } from '../lib/errors.js';
import { silentLogger, type Logger } from '../lib/log.js';
import { clusterName, serviceId, type ServiceKey } from '../model/index.js';
import { BACKEND_PROTO_FILE, findProtoRoot, startBackend, type Backend } from './backend/index.js';
import { DEMO_BACKENDS, type DemoBackendSpec } from './demo-backends.js';
import { demoRoutes } from './demo-routes.js';
import { choosePort } from './free-port.js';
import { LoadDriver } from './load-driver.js';
import { startPrometheus } from './prometheus-process.js';

export interface DemoOptions {
  /** Port of weir's HTTP server and the dashboard; 0 = any free port. A busy port is replaced by a free one (and said so). */
  readonly httpPort?: number;
  /** Port of weir's xDS server; 0 (default) = any free port. */
  readonly xdsPort?: number;
  /** Calls per second of the load client; default 100. */
  readonly rps?: number;
  /** Prometheus scrape interval and weir's tick, ms; default 1000. */
  readonly intervalMs?: number;
  /** weir's and the demo's logs; silent by default. */
  readonly log?: Logger;
  /** Progress lines for a person ("starting Prometheus…"); ignored by default. */
  readonly say?: (line: string) => void;
}

export interface RunningDemo {
  /** The dashboard, e.g. `http://127.0.0.1:8080/`. */
  readonly dashboardUrl: string;
  readonly prometheusUrl: string;
  /** `host:port` of weir's xDS server. */
  readonly xdsAddress: string;
  /** The gRPC target the load client calls, e.g. `xds:///echo.demo:50051`. */
  readonly target: string;
  /** The temporary folder (endpoints file); removed by stop(). */
  readonly workDir: string;
  readonly backends: readonly { readonly spec: DemoBackendSpec; readonly backend: Backend }[];
  /** Process id of the load client child (for checks that nothing is left behind). */
  readonly loadClientPid: number | undefined;
  /** Things a person should know (e.g. a busy port was replaced). */
  readonly notes: readonly string[];
  /** Stop everything and remove the temporary folder. Idempotent; never rejects. */
  stop(): Promise<void>;
}

/** The demo's Service: `echo` in namespace `demo`, port 50051 named `grpc`. */
export const DEMO_SERVICE: ServiceKey = Object.freeze({ namespace: 'demo', name: 'echo' });
export const DEMO_SERVICE_PORT = 50051;

/** The endpoints file of the demo (file discovery's YAML format). */
export function demoEndpointsFile(backends: readonly { spec: DemoBackendSpec; grpcPort: number }[]): string {
  return stringify({
    services: [
      {
        namespace: DEMO_SERVICE.namespace,
        name: DEMO_SERVICE.name,
        annotations: { 'weir.dev/enabled': 'true' },
        ports: [{ name: 'grpc', port: DEMO_SERVICE_PORT }],
        endpoints: backends.map((b) => ({
          address: b.spec.host,
          pod: b.spec.name,
          zone: 'local',
          ports: { grpc: b.grpcPort },
        })),
      },
    ],
  });
}

/**
 * Start the demo and resolve once every part runs. Rejects (after stopping what it
 * started) with the WeirError of the part that failed: `MISSING_PREREQUISITE` with the
 * install command when Prometheus is missing, `LISTEN_FAILED` naming the address when a
 * server cannot bind.
 */
export async function runDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const log = options.log ?? silentLogger();
  const say = options.say ?? (() => undefined);
  const intervalMs = options.intervalMs ?? 1_000;
  const notes: string[] = [];
  const cleanups: { what: string; run: () => Promise<void> }[] = [];
  const stopAll = async (): Promise<void> => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c.run();
      } catch (err) {
        log.warn({ err, part: c.what }, 'demo: error while stopping');
      }
    }
  };

  try {
    const workDir = await mkdtemp(path.join(tmpdir(), 'weir-demo-'));
    cleanups.push({ what: 'temporary folder', run: () => rm(workDir, { recursive: true, force: true }) });

    say('starting 5 backends…');
    const backends: { spec: DemoBackendSpec; backend: Backend }[] = [];
    for (const spec of DEMO_BACKENDS) {
      const backend = await startBackend({
        name: spec.name,
        host: spec.host,
        serviceTimeMs: spec.serviceTimeMs,
        capacity: spec.capacity,
        logger: log,
      }).catch((cause: unknown) => {
        throw new WeirError(
          ERROR_CODES.LISTEN_FAILED,
          `cannot start ${spec.name} on ${spec.host}: the demo gives each backend its own loopback address ` +
            `(127.0.0.11-15), which Linux provides; on macOS add them with "sudo ifconfig lo0 alias 127.0.0.1N up"`,
          { cause },
        );
      });
      cleanups.push({ what: spec.name, run: () => backend.stop() });
      backends.push({ spec, backend });
    }

    const endpointsFile = path.join(workDir, 'endpoints.yaml');
    await writeFile(endpointsFile, demoEndpointsFile(backends.map((b) => ({ spec: b.spec, grpcPort: b.backend.grpcPort }))));

    say('starting Prometheus (scraping every second)…');
    const prometheus = await startPrometheus({
      scrapeIntervalMs: intervalMs,
      log: log.child({ component: 'demo-prometheus' }),
      scrapeTargets: backends.map((b) => ({
        address: b.backend.metricsUrl,
        labels: { namespace: DEMO_SERVICE.namespace, service: DEMO_SERVICE.name, pod: b.spec.name },
      })),
    });
    cleanups.push({ what: 'Prometheus', run: () => prometheus.stop() });

    const http = await choosePort('127.0.0.1', options.httpPort ?? 8080, 'dashboard (--http-port)');
    if (http.note) notes.push(http.note);
    const xds = await choosePort('127.0.0.1', options.xdsPort ?? 0, 'xDS (--xds-port)');
    if (xds.note) notes.push(xds.note);

    // Set once the load client runs; the routes read it on each request.
    const live: { load?: LoadDriver } = {};
    const links: Record<string, string> = { Prometheus: prometheus.url };
    const routes = demoRoutes({
      serviceId: serviceId(DEMO_SERVICE),
      backends: () => backends,
      traffic: () => live.load?.traffic(),
      links: () => links,
    });

    const parsed = parseConfig(
      {
        discovery: 'file',
        'endpoints-file': endpointsFile,
        'prometheus-url': prometheus.url,
        // Short windows: the demo is about seeing weights move within seconds.
        'signal-window': `${Math.max(5 * intervalMs, 2_000)}ms`,
        interval: `${intervalMs}ms`,
        'xds-address': `127.0.0.1:${xds.port}`,
        'http-address': `127.0.0.1:${http.port}`,
        identity: 'weir-demo',
      },
      // The demo is self-contained: the caller's WEIR_* variables do not change it.
      {},
    );
    if (!parsed.valid) {
      throw new WeirError(ERROR_CODES.CONFIG_INVALID, 'demo configuration is invalid', { details: parsed.errors });
    }

    say('starting weir…');
    let weir: RunningWeir;
    try {
      weir = await startWeir(parsed.result, { log, httpRoutes: routes });
    } catch (err) {
      throw explainListenFailure(err);
    }
    cleanups.push({ what: 'weir', run: () => weir.stop() });
    links['xDS'] = weir.xdsAddress;

    const target = `xds:///${clusterName(DEMO_SERVICE, DEMO_SERVICE_PORT)}`;
    say(`starting the xDS client (${options.rps ?? 100} calls/s to ${target})…`);
    const driver = LoadDriver.start({
      xdsAddress: weir.xdsAddress,
      target,
      protoRoot: findProtoRoot(),
      protoFile: BACKEND_PROTO_FILE,
      rps: options.rps ?? 100,
      log: log.child({ component: 'demo-load' }),
    });
    live.load = driver;
    cleanups.push({ what: 'load client', run: () => driver.stop() });

    let stopping: Promise<void> | undefined;
    return {
      dashboardUrl: `${weir.httpUrl}/`,
      prometheusUrl: prometheus.url,
      xdsAddress: weir.xdsAddress,
      target,
      workDir,
      backends,
      loadClientPid: driver.pid,
      notes,
      stop: () => {
        stopping ??= stopAll();
        return stopping;
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** A bind failure deep in startWeir, said with the address that is taken. */
function explainListenFailure(err: unknown): unknown {
  if (!isWeirError(err, ERROR_CODES.LISTEN_FAILED)) return err;
  let cause: unknown = err;
  while (cause instanceof Error && cause.cause !== undefined) cause = cause.cause;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EADDRINUSE' ? new WeirError(ERROR_CODES.LISTEN_FAILED, `${err.message}: the port is taken`, { cause: err }) : err;
}

/** The lines to print once the demo runs. */
export function describeDemo(demo: RunningDemo): string[] {
  return [
    '',
    `  weir demo is running.`,
    '',
    `  Dashboard   ${demo.dashboardUrl}`,
    `  Prometheus  ${demo.prometheusUrl}`,
    `  xDS (ADS)   ${demo.xdsAddress}   (the load client calls ${demo.target})`,
    `  API         ${demo.dashboardUrl}api/weights`,
    ...demo.notes.map((n) => `  Note: ${n}`),
    '',
    '  Signals appear about 10 s after start (Prometheus needs a few scrapes for a rate).',
    '  Open the dashboard, press "Slow ×5" or "Break" on a backend and watch its weight fall;',
    '  "Heal" brings it back through slow start. Ctrl-C stops everything.',
    '',
  ];
}
