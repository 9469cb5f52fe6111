/**
 * Spread of the service time: the log-normal's sigma. 0.25 gives a coefficient of
 * variation of about 0.25 (p99 ≈ 1.8× the median): modest jitter, as in a server whose
 * work per call is similar but not identical. Log-normal rather than exponential because
 * an exponential's long tail would dominate every p99 on its own and hide the effect of
 * the load balancer, which is what the demo and the benchmark are about.
 */
export const SERVICE_TIME_SIGMA = 0.25;

/**
 * Draws one call's service time, in milliseconds, from a log-normal distribution whose
 * MEAN is `meanMs`: mu = ln(mean) − sigma²/2. `random` returns uniform values in [0, 1).
 */
export function sampleServiceTimeMs(meanMs: number, random: () => number): number {
  const mu = Math.log(meanMs) - (SERVICE_TIME_SIGMA * SERVICE_TIME_SIGMA) / 2;
  return Math.exp(mu + SERVICE_TIME_SIGMA * standardNormal(random));
}

/** Box–Muller; guards against log(0). */
function standardNormal(random: () => number): number {
  const u1 = Math.max(random(), Number.MIN_VALUE);
  const u2 = random();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
