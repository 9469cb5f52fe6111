/**
 * The two contenders that clients reach over xDS: weir itself (the real composition root,
 * `startWeir`, with file discovery and the real Prometheus), and the oracle, which serves
 * weights it is told through the same xDS cache and server that weir uses.
 */
import { parseConfig, type WeirConfig } from '../../src/app/config.js';
import { startWeir } from '../../src/app/weir.js';
import { FileDiscovery } from '../../src/discovery/file/index.js';
import { WeirError, ERROR_CODES } from '../../src/lib/errors.js';
import { createRootLogger, silentLogger, type Logger } from '../../src/lib/log.js';
import { serviceId, type Decision, type ServiceKey } from '../../src/model/index.js';
import { createXdsCache, startXdsServer } from '../../src/xds/index.js';
import { buildResources } from '../../src/xds/resources/index.js';
import { Registry } from 'prom-client';

/** A contender served over xDS. */
export interface XdsContender {
  readonly xdsAddress: string;
  /** The weights served now, per backend address in the given order; null when none yet. */
  servedWeights(addresses: readonly string[]): number[] | null;
  /** weir only: every weight decision it logged so far, in order. */
  decisions?(): readonly LoggedDecision[];
  stop(): Promise<void>;
}

/** One of weir's weight decisions as its log line gives it (src/control/loop.ts `record`), and when it was logged (ms since the epoch). */
export type LoggedDecision = Omit<Decision, 'serviceId'> & { readonly at: number };

export interface WeirContenderOptions {
  readonly endpointsFile: string;
  readonly prometheusUrl: string;
  readonly service: ServiceKey;
  /** weir's tick, ms (BENCHMARK: 1 s). */
  readonly intervalMs: number;
  /** rate() window of the signal queries, ms. */
  readonly signalWindowMs: number;
  /** A profiles file (`--profiles`) for the profile the endpoints file names. */
  readonly profilesFile?: string;
}

/**
 * weir's configuration as the benchmark runs it: file discovery of the benchmark's
 * endpoints, its Prometheus and signal window, plus `extra` flags. Shared by the weir
 * contender and the sample recorder, so that the recorder reads what weir reads.
 */
export function benchWeirConfig(
  opts: { endpointsFile: string; prometheusUrl: string; signalWindowMs: number; profilesFile?: string | undefined },
  extra: Record<string, string> = {},
): WeirConfig {
  const parsed = parseConfig(
    {
      discovery: 'file',
      'endpoints-file': opts.endpointsFile,
      'prometheus-url': opts.prometheusUrl,
      'signal-window': `${opts.signalWindowMs}ms`,
      ...(opts.profilesFile !== undefined ? { profiles: opts.profilesFile } : {}),
      ...extra,
    },
    {},
  );
  if (!parsed.valid) {
    throw new WeirError(ERROR_CODES.CONFIG_INVALID, 'bench: weir configuration is invalid', { details: parsed.errors });
  }
  return parsed.result;
}

/** Starts weir as an operator would run it next to the benchmark's backends. */
export async function startWeirContender(opts: WeirContenderOptions): Promise<XdsContender> {
  const config = benchWeirConfig(opts, {
    interval: `${opts.intervalMs}ms`,
    'xds-address': '127.0.0.1:0',
    'http-address': '127.0.0.1:0',
    identity: 'weir-bench',
  });
  const logged: LoggedDecision[] = [];
  const weir = await startWeir(config, { log: decisionLogger(logged) });
  const id = serviceId(opts.service);
  return {
    xdsAddress: weir.xdsAddress,
    decisions: () => logged,
    servedWeights(addresses) {
      const sw = weir.loop.latest()?.services.get(id);
      if (!sw) return null;
      const byAddress = new Map(sw.endpoints.map((e) => [e.address, e.served]));
      return addresses.map((a) => byAddress.get(a) ?? 1);
    },
    stop: () => weir.stop(),
  };
}

/**
 * A logger that keeps weir's "weight decision" lines (what `kubectl get ew` and the Events
 * say, with their reasons) and drops the rest: the bench's record of why the weights moved,
 * which a replay cannot give once a run's weights leave the recorded ones.
 */
function decisionLogger(into: LoggedDecision[]): Logger {
  return createRootLogger({
    destination: {
      write(line: string): void {
        if (!line.includes('"weight decision"')) return;
        const d = JSON.parse(line) as Omit<Decision, 'serviceId'> & { readonly time: number };
        into.push({ at: d.time, endpoint: d.endpoint, kind: d.kind, from: d.from, to: d.to, reason: d.reason });
      },
    },
  });
}

/** The oracle: the weights it is told, served over xDS from the moment `push` is called. */
export interface OracleContender extends XdsContender {
  /** Serve these weights (per backend address, integers ≥ 1) at once. */
  push(weights: readonly number[]): void;
}

export async function startOracle(opts: { endpointsFile: string; service: ServiceKey; addresses: readonly string[] }): Promise<OracleContender> {
  const log = silentLogger();
  const registry = new Registry();
  const discovery = await FileDiscovery.start({ path: opts.endpointsFile, log });
  // No hold-off: the oracle's weights are pushed the moment a phase begins.
  const cache = createXdsCache({ build: buildResources, log, registry, holdOffMs: 0, maxDelayMs: 0 });
  const server = await startXdsServer({ address: '127.0.0.1:0', cache, log, registry });
  const id = serviceId(opts.service);
  let current: number[] | null = null;
  const push = (weights: readonly number[]): void => {
    current = [...weights];
    const table = new Map([[id, new Map(opts.addresses.map((a, i) => [a, weights[i] ?? 1]))]]);
    cache.update(discovery.current(), table);
    cache.flush();
  };
  push(opts.addresses.map(() => 1));
  return {
    xdsAddress: server.address,
    push,
    servedWeights: () => current,
    async stop() {
      await server.stop(500);
      cache.close();
      await discovery.stop();
    },
  };
}
