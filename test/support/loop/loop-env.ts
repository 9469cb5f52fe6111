/**
 * The whole loop on loopback for end-to-end tests: real gRPC backends, a real
 * Prometheus scraping them every second, weir (`startWeir`, file discovery) and, in the
 * test file, a real grpc-js-xds client. Start it once per file (Prometheus needs a few
 * seconds to produce its first rate) and stop it in afterAll.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../../src/app/config.js';
import { startWeir, type RunningWeir } from '../../../src/app/weir.js';
import { startBackend, type Backend, type BackendState } from '../../../src/demo/backend/index.js';
import { startPrometheus } from '../../../src/demo/prometheus-process.js';
import { pino } from 'pino';
import { createRootLogger, silentLogger } from '../../../src/lib/log.js';
import { waitFor } from '../wait.js';

export const NAMESPACE = 'shop';
export const SERVICE = 'echo';
export const PORT = 8080;
export const TARGET = `xds:///${SERVICE}.${NAMESPACE}:${PORT}`;

export interface LoopEnv {
  readonly backends: readonly Backend[];
  readonly weir: RunningWeir;
  readonly prometheusUrl: string;
  readonly endpointsFile: string;
  /** Stop the Prometheus server (the rest keeps running). */
  stopPrometheus(): Promise<void>;
  /** `/api/weights` of the service: endpoint pod name → the endpoint's view. */
  weights(): Promise<Map<string, EndpointView>>;
  /** Resolve once every endpoint is healthy with a measured latency (Prometheus has data). */
  settled(timeoutMs?: number): Promise<void>;
  /** The service's view in `/api/weights`. */
  service(): Promise<{ panic: boolean; metricsAvailable: boolean; [k: string]: unknown }>;
  stop(): Promise<void>;
}

export interface EndpointView {
  readonly weight: number;
  readonly served: number;
  readonly state: string;
  readonly reason: string;
  readonly signals?: { readonly latencyMs?: number; readonly errorRatio?: number };
}

export interface LoopEnvOptions {
  readonly backends: readonly Partial<BackendState>[];
  /** weir.dev/* annotations of the service. */
  readonly annotations?: Readonly<Record<string, string>>;
}

export async function startLoopEnv(opts: LoopEnvOptions): Promise<LoopEnv> {
  const dir = await mkdtemp(path.join(tmpdir(), 'weir-e2e-'));
  const stops: (() => Promise<void>)[] = [async () => rm(dir, { recursive: true, force: true })];
  const stopAll = async (): Promise<void> => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
  };
  try {
    const backends: Backend[] = [];
    for (const [i, state] of opts.backends.entries()) {
      // Each backend on its own loopback address, as pods have their own IPs.
      const b = await startBackend({ name: `${SERVICE}-${i + 1}`, host: `127.0.0.${40 + i}`, ...state });
      backends.push(b);
      stops.push(() => b.stop());
    }
    let prometheusStopped = false;
    const prometheus = await startPrometheus({
      scrapeIntervalMs: 1000,
      scrapeTargets: backends.map((b) => ({
        address: new URL(b.metricsUrl).host,
        labels: { namespace: NAMESPACE, service: SERVICE, pod: b.name },
      })),
    });
    stops.push(async () => {
      if (!prometheusStopped) await prometheus.stop();
    });

    const endpointsFile = path.join(dir, 'services.yaml');
    await writeFile(
      endpointsFile,
      JSON.stringify({
        services: [
          {
            name: SERVICE,
            namespace: NAMESPACE,
            annotations: opts.annotations ?? {},
            ports: [{ name: 'grpc', port: PORT }],
            endpoints: backends.map((b) => ({ address: `127.0.0.${40 + backends.indexOf(b)}`, pod: b.name, zone: 'zone-a', ports: { grpc: b.grpcPort } })),
          },
        ],
      }),
    );
    const config = parseConfig(
      {
        discovery: 'file',
        'endpoints-file': endpointsFile,
        'prometheus-url': prometheus.url,
        'prometheus-timeout': '2s',
        'signal-window': '5s',
        interval: '1s',
        'xds-address': '127.0.0.1:0',
        'http-address': '127.0.0.1:0',
      },
      {},
    );
    if (!config.valid) throw new Error(config.errors.join('\n'));
    // WEIR_TEST_LOG=level (and WEIR_TEST_LOG_FILE=path) make weir's logs visible when debugging.
    const log = process.env.WEIR_TEST_LOG
      ? createRootLogger({
          level: process.env.WEIR_TEST_LOG,
          ...(process.env.WEIR_TEST_LOG_FILE ? { destination: pino.destination({ dest: process.env.WEIR_TEST_LOG_FILE, sync: true }) } : {}),
        })
      : silentLogger();
    const weir = await startWeir(config.result, { log });
    stops.push(() => weir.stop());

    const api = async (): Promise<{ services: { id: string; endpoints: (EndpointView & { pod?: string })[] }[] }> => {
      const res = await fetch(`${weir.httpUrl}/api/weights`);
      return (await res.json()) as never;
    };
    const weights = async (): Promise<Map<string, EndpointView>> => {
      const svc = (await api()).services.find((s) => s.id === `${NAMESPACE}/${SERVICE}`);
      return new Map((svc?.endpoints ?? []).map((e) => [e.pod ?? '', e]));
    };
    return {
      backends,
      weir,
      prometheusUrl: prometheus.url,
      endpointsFile,
      stopPrometheus: async () => {
        prometheusStopped = true;
        await prometheus.stop();
      },
      weights,
      // Wait for data, not for readiness: an endpoint without data yet is also "healthy".
      settled: (timeoutMs = 60_000) =>
        waitFor(
          weights,
          (w) => w.size === backends.length && [...w.values()].every((e) => e.state === 'healthy' && e.signals?.latencyMs !== undefined),
          { timeoutMs, what: 'every endpoint healthy with measured latency' },
        ).then(() => undefined),
      service: async () => (await api()).services.find((s) => s.id === `${NAMESPACE}/${SERVICE}`) as never,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
