/**
 * Records, once a second, the raw samples weir's signals layer reads from Prometheus (the
 * same profile, queries and window weir uses), whatever the contender. The recording
 * lets `replay.ts` run the engine offline over what a contender's traffic looked like:
 * over the oracle's static weights, every cut of a healthy backend is a cut made on noise.
 */
import { Registry } from 'prom-client';
import { startSignals } from '../../src/app/signals.js';
import { FileDiscovery } from '../../src/discovery/file/index.js';
import { WeirError, ERROR_CODES } from '../../src/lib/errors.js';
import { silentLogger } from '../../src/lib/log.js';
import type { EndpointSample } from '../../src/model/index.js';
import { benchWeirConfig } from './xds-contenders.js';

/** One second's samples of the bench's service: address → raw sample (absent: no data). */
export interface RecordedTick {
  /** Seconds since the scenario started. */
  readonly s: number;
  /** When the samples were taken, ms since the epoch. */
  readonly at: number;
  /** True when the fetch failed (Prometheus down or late). */
  readonly failed: boolean;
  readonly endpoints: Record<string, EndpointSample>;
}

export interface SampleRecorder {
  /** Stop and return what was recorded. */
  stop(): Promise<RecordedTick[]>;
}

export async function startSampleRecorder(opts: {
  endpointsFile: string;
  prometheusUrl: string;
  signalWindowMs: number;
  profilesFile?: string | undefined;
  serviceId: string;
  /** Epoch ms of the scenario's second 0. */
  startAt: number;
}): Promise<SampleRecorder> {
  const log = silentLogger();
  const signals = startSignals(benchWeirConfig(opts), { log, registry: new Registry() });
  const source = signals.source;
  if (!source) throw new WeirError(ERROR_CODES.CONFIG_INVALID, 'bench: the recorder needs a Prometheus URL');
  const discovery = await FileDiscovery.start({ path: opts.endpointsFile, log });
  const ticks: RecordedTick[] = [];
  let inFlight: Promise<void> | undefined;
  const take = async (): Promise<void> => {
    const samples = await source.fetch(discovery.current(), Date.now(), AbortSignal.timeout(1_000));
    const endpoints: Record<string, EndpointSample> = {};
    for (const [address, sample] of samples.services.get(opts.serviceId) ?? []) endpoints[address] = sample;
    ticks.push({ s: (samples.at - opts.startAt) / 1000, at: samples.at, failed: samples.failed.has(opts.serviceId), endpoints });
  };
  const timer = setInterval(() => {
    if (inFlight) return;
    inFlight = take()
      .catch(() => undefined)
      .finally(() => {
        inFlight = undefined;
      });
  }, 1_000);
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
      await discovery.stop();
      return ticks;
    },
  };
}
