/**
 * weir's configuration: flags with environment fallbacks (`--prometheus-url` ↔
 * `WEIR_PROMETHEUS_URL`), parsed and validated once at start-up into a frozen object.
 * Every problem is reported at once, naming the flag, before any server starts. This is
 * the only module that reads the environment.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import type { Validated } from '../lib/errors.js';
import { parseDurationMs } from '../lib/duration.js';

export interface WeirConfig {
  readonly discovery: 'file' | 'kube';
  readonly endpointsFile?: string;
  readonly kubeconfig?: string;
  /** Namespaces to watch; empty = all. */
  readonly namespaces: readonly string[];
  /** Absent: no signals, every endpoint is served with an equal weight. */
  readonly prometheusUrl?: string;
  readonly prometheusTimeoutMs: number;
  readonly prometheusBearerTokenFile?: string;
  readonly prometheusUsername?: string;
  readonly prometheusPasswordFile?: string;
  readonly prometheusCaFile?: string;
  /** Tenant sent as `X-Scope-OrgID` (Mimir, Cortex, Thanos receive). */
  readonly prometheusTenant?: string;
  /** The range of the rate() windows in the profiles' queries, in ms. */
  readonly signalWindowMs: number;
  readonly profilesFile?: string;
  readonly xdsAddress: string;
  readonly xdsHoldOffMs: number;
  readonly xdsTls?: { readonly certFile: string; readonly keyFile: string; readonly clientCaFile?: string };
  readonly httpAddress: string;
  readonly intervalMs: number;
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  readonly leaderElect: boolean;
  readonly leaseName: string;
  readonly leaseNamespace: string;
  readonly identity: string;
  readonly statusMinIntervalMs: number;
  readonly statusWritesPerSecond: number;
}

/** One flag: its name, env fallback, default and help, for the CLI and the README table. */
export interface FlagSpec {
  readonly flag: string;
  readonly env: string;
  readonly arg?: string;
  readonly default?: string;
  readonly help: string;
}

/** Every flag of `weir start`, in help order. */
export const START_FLAGS: readonly FlagSpec[] = [
  { flag: 'discovery', arg: 'kube|file', default: 'kube', help: 'where services and endpoints come from' },
  { flag: 'endpoints-file', arg: 'path', help: 'the endpoints file (with --discovery file); watched for edits' },
  { flag: 'kubeconfig', arg: 'path', help: 'kubeconfig to use (default: in-cluster, then KUBECONFIG)' },
  { flag: 'namespaces', arg: 'list', default: '', help: 'comma-separated namespaces to watch (default: all)' },
  { flag: 'prometheus-url', arg: 'url', help: 'Prometheus-compatible query API (Prometheus, Thanos, Mimir, VictoriaMetrics); without it weights stay equal' },
  { flag: 'prometheus-timeout', arg: 'duration', default: '2s', help: 'timeout of one Prometheus query' },
  { flag: 'prometheus-bearer-token-file', arg: 'path', help: 'file holding a bearer token for Prometheus' },
  { flag: 'prometheus-username', arg: 'name', help: 'basic-auth user for Prometheus' },
  { flag: 'prometheus-password-file', arg: 'path', help: 'file holding the basic-auth password for Prometheus' },
  { flag: 'prometheus-ca-file', arg: 'path', help: 'CA bundle to verify Prometheus over HTTPS' },
  { flag: 'prometheus-tenant', arg: 'id', help: 'tenant sent as X-Scope-OrgID (Mimir, Cortex)' },
  { flag: 'signal-window', arg: 'duration', default: '30s', help: 'rate() window of the signal queries (at least 2 scrape intervals)' },
  { flag: 'profiles', arg: 'path', help: 'YAML file of signal profiles (added to the built-in ones)' },
  { flag: 'xds-address', arg: 'host:port', default: '0.0.0.0:18000', help: 'address of the xDS (ADS) gRPC server' },
  { flag: 'xds-hold-off', arg: 'duration', default: '100ms', help: 'coalescing window of xDS pushes' },
  { flag: 'xds-tls-cert', arg: 'path', help: 'serve xDS over TLS with this certificate (PEM)' },
  { flag: 'xds-tls-key', arg: 'path', help: 'private key of --xds-tls-cert (PEM)' },
  { flag: 'xds-tls-client-ca', arg: 'path', help: 'require client certificates signed by this CA (mutual TLS)' },
  { flag: 'http-address', arg: 'host:port', default: '0.0.0.0:9090', help: 'address of /metrics, /healthz, /readyz, /api/weights and the dashboard' },
  { flag: 'interval', arg: 'duration', default: '1s', help: 'control loop tick' },
  { flag: 'log-level', arg: 'level', default: 'info', help: 'trace, debug, info, warn, error, fatal or silent' },
  { flag: 'leader-elect', arg: 'true|false', default: 'false', help: 'elect a leader with a Lease (kube discovery); only the leader computes weights and writes status' },
  { flag: 'lease-name', arg: 'name', default: 'weir', help: 'name of the leader-election Lease' },
  { flag: 'lease-namespace', arg: 'namespace', default: 'default', help: 'namespace of the Lease (WEIR_LEASE_NAMESPACE or POD_NAMESPACE)' },
  { flag: 'identity', arg: 'name', help: 'this replica\'s identity in the Lease (default: HOSTNAME)' },
  { flag: 'status-min-interval', arg: 'duration', default: '5s', help: 'least time between two status writes of one EndpointWeights' },
  { flag: 'status-writes-per-second', arg: 'number', default: '20', help: 'global limit of status writes to the API server' },
].map((f) => ({ ...f, env: `WEIR_${f.flag.toUpperCase().replace(/-/g, '_')}` }));

const duration = (flag: string, min: number, max: number) =>
  z.string().transform((v, ctx) => {
    const out = parseDurationMs(v);
    if (typeof out === 'string') {
      ctx.addIssue({ code: 'custom', message: out });
      return z.NEVER;
    }
    if (out < min || out > max) {
      ctx.addIssue({ code: 'custom', message: `must be between ${min}ms and ${max}ms (--${flag})` });
      return z.NEVER;
    }
    return out;
  });

const hostPort = z.string().refine((v) => parseHostPort(v) !== undefined, 'must be host:port, e.g. 0.0.0.0:18000 or [::]:18000');
const optionalPath = z.string().min(1).optional();
const boolFlag = z.enum(['true', 'false']).transform((v) => v === 'true');
const dnsName = z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'must be a DNS name');

const rawSchema = z.object({
  discovery: z.enum(['kube', 'file']),
  'endpoints-file': optionalPath,
  kubeconfig: optionalPath,
  namespaces: z.string(),
  'prometheus-url': z.url({ protocol: /^https?$/ }).optional(),
  'prometheus-timeout': duration('prometheus-timeout', 100, 60_000),
  'prometheus-bearer-token-file': optionalPath,
  'prometheus-username': z.string().min(1).optional(),
  'prometheus-password-file': optionalPath,
  'prometheus-ca-file': optionalPath,
  'prometheus-tenant': z.string().regex(/^[\x21-\x7e]{1,150}$/, 'must be printable ASCII without spaces').optional(),
  'signal-window': duration('signal-window', 1_000, 3_600_000),
  profiles: optionalPath,
  'xds-address': hostPort,
  'xds-hold-off': duration('xds-hold-off', 0, 10_000),
  'xds-tls-cert': optionalPath,
  'xds-tls-key': optionalPath,
  'xds-tls-client-ca': optionalPath,
  'http-address': hostPort,
  interval: duration('interval', 100, 60_000),
  'log-level': z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
  'leader-elect': boolFlag,
  'lease-name': dnsName,
  'lease-namespace': dnsName,
  identity: z.string().min(1).max(253),
  'status-min-interval': duration('status-min-interval', 0, 600_000),
  'status-writes-per-second': z.coerce.number().positive().max(10_000),
});

/**
 * Turn flag values (strings as given on the command line; absent = not given) and the
 * environment into a validated, frozen WeirConfig. A flag wins over its env variable.
 */
export function parseConfig(
  flags: Readonly<Record<string, string | undefined>>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Validated<WeirConfig> {
  const raw: Record<string, string | undefined> = {};
  for (const spec of START_FLAGS) {
    raw[spec.flag] = flags[spec.flag] ?? nonEmpty(env[spec.env]) ?? fallbackEnv(spec.flag, env) ?? spec.default;
  }
  const parsed = rawSchema.safeParse(raw);
  // Flags that go together are checked on the raw values, so that they are reported
  // along with any value that does not parse: every problem at once.
  const errors: string[] = parsed.success
    ? []
    : parsed.error.issues.map((i) => {
        const flag = String(i.path[0]);
        return `--${flag} (${START_FLAGS.find((f) => f.flag === flag)?.env ?? ''}) = ${JSON.stringify(raw[flag] ?? null)}: ${i.message}`;
      });
  if (raw.discovery === 'file' && !raw['endpoints-file']) errors.push('--endpoints-file is required with --discovery file');
  if (raw.discovery === 'kube' && raw['endpoints-file']) errors.push('--endpoints-file is only for --discovery file');
  if (Boolean(raw['xds-tls-cert']) !== Boolean(raw['xds-tls-key'])) errors.push('--xds-tls-cert and --xds-tls-key go together');
  if (raw['xds-tls-client-ca'] && !raw['xds-tls-cert']) errors.push('--xds-tls-client-ca needs --xds-tls-cert and --xds-tls-key');
  if (Boolean(raw['prometheus-username']) !== Boolean(raw['prometheus-password-file'])) {
    errors.push('--prometheus-username and --prometheus-password-file go together');
  }
  if (raw['prometheus-bearer-token-file'] && raw['prometheus-username']) {
    errors.push('use either --prometheus-bearer-token-file or basic auth, not both');
  }
  if (raw['leader-elect'] === 'true' && raw.discovery !== 'kube') errors.push('--leader-elect needs --discovery kube');
  if (!parsed.success) return { valid: false, errors };
  const v = parsed.data;
  const namespaces = v.namespaces
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const ns of namespaces) {
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(ns)) errors.push(`--namespaces: "${ns}" is not a namespace name`);
  }
  if (errors.length > 0) return { valid: false, errors };

  const config: WeirConfig = {
    discovery: v.discovery,
    ...(v['endpoints-file'] ? { endpointsFile: v['endpoints-file'] } : {}),
    ...(v.kubeconfig ? { kubeconfig: v.kubeconfig } : {}),
    namespaces: Object.freeze([...new Set(namespaces)].sort()),
    ...(v['prometheus-url'] ? { prometheusUrl: v['prometheus-url'] } : {}),
    prometheusTimeoutMs: v['prometheus-timeout'],
    ...(v['prometheus-bearer-token-file'] ? { prometheusBearerTokenFile: v['prometheus-bearer-token-file'] } : {}),
    ...(v['prometheus-username'] ? { prometheusUsername: v['prometheus-username'] } : {}),
    ...(v['prometheus-password-file'] ? { prometheusPasswordFile: v['prometheus-password-file'] } : {}),
    ...(v['prometheus-ca-file'] ? { prometheusCaFile: v['prometheus-ca-file'] } : {}),
    ...(v['prometheus-tenant'] ? { prometheusTenant: v['prometheus-tenant'] } : {}),
    signalWindowMs: v['signal-window'],
    ...(v.profiles ? { profilesFile: v.profiles } : {}),
    xdsAddress: v['xds-address'],
    xdsHoldOffMs: v['xds-hold-off'],
    ...(v['xds-tls-cert'] && v['xds-tls-key']
      ? {
          xdsTls: Object.freeze({
            certFile: v['xds-tls-cert'],
            keyFile: v['xds-tls-key'],
            ...(v['xds-tls-client-ca'] ? { clientCaFile: v['xds-tls-client-ca'] } : {}),
          }),
        }
      : {}),
    httpAddress: v['http-address'],
    intervalMs: v.interval,
    logLevel: v['log-level'],
    leaderElect: v['leader-elect'],
    leaseName: v['lease-name'],
    leaseNamespace: v['lease-namespace'],
    identity: v.identity,
    statusMinIntervalMs: v['status-min-interval'],
    statusWritesPerSecond: v['status-writes-per-second'],
  };
  return { valid: true, result: Object.freeze(config) };
}

/** `host:port` → parts, or undefined. IPv6 hosts are bracketed: `[::1]:18000`. */
export function parseHostPort(value: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  if (!m) return undefined;
  const host = m[1] ?? m[2]!;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  if (m[1] !== undefined && isIP(host) !== 6) return undefined;
  return { host, port };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

/** Conventional variables honoured after WEIR_*: KUBECONFIG, POD_NAMESPACE, HOSTNAME. */
function fallbackEnv(flag: string, env: Readonly<Record<string, string | undefined>>): string | undefined {
  switch (flag) {
    case 'kubeconfig':
      return nonEmpty(env.KUBECONFIG);
    case 'lease-namespace':
      return nonEmpty(env.POD_NAMESPACE);
    case 'identity':
      return nonEmpty(env.HOSTNAME) ?? `weir-${process.pid}`;
    default:
      return undefined;
  }
}
