/**
 * The signals part of the composition root: the signal profiles (built-in plus the
 * operator's file), the Prometheus client and the MetricsSource, and the notices about
 * services whose profile does not exist.
 */
import { readFileSync } from 'node:fs';
import type { Registry } from 'prom-client';
import type { MetricsSource } from '../control/ports.js';
import { ERROR_CODES, WeirError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { CustomSignalSpec, Topology } from '../model/index.js';
import {
  createPrometheusClient,
  customSignalSpecs,
  loadProfiles,
  PrometheusMetricsSource,
  type Profiles,
} from '../signals/index.js';
import type { WeirConfig } from './config.js';

export interface SignalParts {
  /** Absent without --prometheus-url: weights stay equal. */
  readonly source?: MetricsSource;
  readonly profiles: Profiles;
  readonly customSignals: ReadonlyMap<string, readonly CustomSignalSpec[]>;
  /** serviceId → problems the loop should show (unknown profile, no Prometheus). */
  notices(topology: Topology): ReadonlyMap<string, readonly string[]>;
}

export function startSignals(config: WeirConfig, deps: { log: Logger; registry: Registry }): SignalParts {
  const profiles = loadProfiles(config.profilesFile);
  const source = config.prometheusUrl
    ? new PrometheusMetricsSource({
        client: createPrometheusClient({
          url: config.prometheusUrl,
          timeoutMs: config.prometheusTimeoutMs,
          ...(config.prometheusBearerTokenFile ? { bearerToken: readSecret(config.prometheusBearerTokenFile, '--prometheus-bearer-token-file') } : {}),
          ...(config.prometheusUsername && config.prometheusPasswordFile
            ? { basicAuth: { username: config.prometheusUsername, password: readSecret(config.prometheusPasswordFile, '--prometheus-password-file') } }
            : {}),
          ...(config.prometheusCaFile ? { caFile: config.prometheusCaFile } : {}),
          ...(config.prometheusTenant ? { headers: { 'X-Scope-OrgID': config.prometheusTenant } } : {}),
        }),
        profiles,
        windowMs: config.signalWindowMs,
        log: deps.log,
        registry: deps.registry,
      })
    : undefined;
  if (!source) deps.log.warn('no --prometheus-url: every endpoint is served with an equal weight');
  return {
    ...(source ? { source } : {}),
    profiles,
    customSignals: customSignalSpecs(profiles),
    notices(topology) {
      const out = new Map<string, string[]>();
      for (const [id, svc] of topology.services) {
        const list: string[] = [];
        if (!profiles.has(svc.policy.profile)) {
          list.push(`weir.dev/profile: no profile named "${svc.policy.profile}"; no signals, equal weights`);
        }
        if (!source) list.push('no Prometheus configured (--prometheus-url); equal weights');
        if (list.length > 0) out.set(id, list);
      }
      return out;
    },
  };
}

function readSecret(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (cause) {
    throw new WeirError(ERROR_CODES.CONFIG_INVALID, `${flag}: cannot read ${path}`, { cause });
  }
}
