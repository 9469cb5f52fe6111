/**
 * The signal profile of the `weir-cpu` contender: weir's default profile (latency, errors,
 * request rate, calls in flight) plus CPU, which the default lacks and the `kubernetes`
 * profile reads from cAdvisor. The benchmark's backends are not CPU-bound processes, so
 * their "CPU" is what such a server's CPU seconds over its limit would say: each served
 * call's service time over the capacity it ran at (`weir_demo_busy_seconds_total`),
 * scraped every second like the rest. weighted_round_robin gets the same kind of
 * knowledge over ORCA (in-flight calls over capacity).
 */
import { stringify } from 'yaml';
import { BACKEND_METRIC_NAMES } from '../../src/demo/backend/index.js';
import { BUILTIN_PROFILE_SOURCES, BY, SVC } from '../../src/signals/profiles-builtin.js';

export const CPU_PROFILE = 'bench-cpu';

/** The profiles file (`--profiles`) holding CPU_PROFILE. */
export function cpuProfilesText(): string {
  const base = BUILTIN_PROFILE_SOURCES.default!;
  return stringify({
    profiles: {
      [CPU_PROFILE]: {
        ...base,
        description: `${String(base.description)}, with each backend's busy time over its capacity as CPU`,
        cpu: `sum by (${BY}) (rate(${BACKEND_METRIC_NAMES.busy}{${SVC}}[{{window}}]))`,
      },
    },
  });
}
