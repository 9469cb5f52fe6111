/**
 * The contenders: three client-side balancers of grpc-js that nobody here wrote (with their
 * documented defaults, and tuned), weir, and the oracle.
 *
 * Peers run on plain grpc-js with a static address list (`ipv4:` target) and a service
 * config; weir and the oracle run on `@grpc/grpc-js-xds` against an xDS server. Durations
 * in a grpc-js service config must be `{ seconds, nanos }` objects: a string there makes
 * the config invalid and grpc-js silently falls back to pick_first.
 */

export type ContenderKind = 'grpc' | 'weir' | 'oracle';

export interface Contender {
  readonly name: string;
  readonly kind: ContenderKind;
  /** The `loadBalancingConfig` list of a grpc-js service config (peers only). */
  readonly lbConfig?: readonly object[];
  /** How it is configured, for the report. */
  readonly how: string;
  /** weir only: with a CPU signal (cpu-profile.ts). */
  readonly cpu?: boolean;
}

const sec = (seconds: number): { seconds: number; nanos: number } => ({
  seconds: Math.floor(seconds),
  nanos: Math.round((seconds - Math.floor(seconds)) * 1e9),
});

export const CONTENDERS: readonly Contender[] = [
  {
    name: 'round_robin',
    kind: 'grpc',
    lbConfig: [{ round_robin: {} }],
    how: 'grpc-js round_robin (no knobs)',
  },
  {
    name: 'outlier_detection',
    kind: 'grpc',
    // gRFC A50's defaults: what a gRPC client gets from an xDS cluster with an empty
    // OutlierDetection message (success-rate ejection on with Envoy's defaults,
    // failure-percentage ejection off).
    lbConfig: [{ outlier_detection: { success_rate_ejection: {}, child_policy: [{ round_robin: {} }] } }],
    how: 'defaults of gRFC A50: interval 10 s, base ejection 30 s, max ejection 10%, success-rate ejection (stdev factor 1900, min hosts 5, volume 100), no failure-percentage ejection',
  },
  {
    name: 'outlier_detection-tuned',
    kind: 'grpc',
    lbConfig: [
      {
        outlier_detection: {
          // At 60 calls/s a backend sees 12 calls/s: the request volumes must be reachable
          // within one interval, or nothing is ever ejected (the first run used volume 20
          // with a 1 s interval and never ejected).
          interval: sec(2),
          base_ejection_time: sec(5),
          max_ejection_time: sec(30),
          max_ejection_percent: 20,
          success_rate_ejection: { stdev_factor: 1000, enforcement_percentage: 100, minimum_hosts: 3, request_volume: 10 },
          failure_percentage_ejection: { threshold: 10, enforcement_percentage: 100, minimum_hosts: 3, request_volume: 10 },
          child_policy: [{ round_robin: {} }],
        },
      },
    ],
    how: 'interval 2 s, base ejection 5 s, max ejection 20% (one of five), success-rate (stdev factor 1000, min hosts 3, volume 10) and failure-percentage (threshold 10%, min hosts 3, volume 10) ejection',
  },
  {
    name: 'weighted_round_robin',
    kind: 'grpc',
    // Out-of-band ORCA: grpc-js 1.14.7 parses the ORCA protos again for every per-call
    // report (its loadOrcaProto() never caches), on both sides; per-call reports would
    // cost every contender ~100 ms of CPU per call and measure that bug, not the balancer.
    lbConfig: [{ weighted_round_robin: { enable_oob_load_report: true } }],
    how: 'defaults of gRFC A58 except out-of-band ORCA (per-call ORCA is unusable in grpc-js 1.14.7): report period 10 s, blackout 10 s, weight update 1 s, expiry 3 min, error-utilisation penalty 1',
  },
  {
    name: 'weighted_round_robin-tuned',
    kind: 'grpc',
    lbConfig: [
      {
        weighted_round_robin: {
          enable_oob_load_report: true,
          oob_load_reporting_period: sec(1),
          blackout_period: sec(1),
          weight_update_period: sec(0.5),
          error_utilization_penalty: 3,
        },
      },
    ],
    how: 'out-of-band ORCA every 1 s, blackout 1 s, weight update 0.5 s, error-utilisation penalty 3',
  },
  { name: 'weir', kind: 'weir', how: 'weir with file discovery, Prometheus scraping every 1 s, 1 s tick, default policy, over xDS' },
  {
    name: 'weir-cpu',
    kind: 'weir',
    cpu: true,
    how: 'weir as above with a CPU signal: each backend\'s busy time over its capacity (what a CPU-bound server\'s CPU seconds over its limit say), scraped every 1 s',
  },
  { name: 'oracle', kind: 'oracle', how: 'static weights best for each phase (scenarios.ts oracleWeights), pushed over xDS when the phase begins' },
];

/** The grpc-js channel options that make a peer use its balancer. */
export function peerChannelOptions(c: Contender): Record<string, string | number> {
  return { 'grpc.service_config': JSON.stringify({ loadBalancingConfig: c.lbConfig ?? [] }) };
}

export function findContenders(name: string): Contender[] {
  if (name === 'all') return [...CONTENDERS];
  const names = name.split(',');
  return CONTENDERS.filter((c) => names.includes(c.name));
}
