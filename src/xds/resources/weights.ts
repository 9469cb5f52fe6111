/**
 * Integer weights as xDS accepts them: every endpoint weight ≥ 1 and every sum (per
 * locality, per priority) within a limit.
 */
import { MAX_WEIGHT_SUM } from '../../model/index.js';

/**
 * The largest weight sum a proxyless gRPC client handles correctly. grpc-js's
 * weighted_target picker draws `(Math.random() * total) | 0`; the `| 0` wraps to a
 * negative number once the total passes 2^31-1, and every pick then lands on the first
 * locality. Envoy accepts up to {@link MAX_WEIGHT_SUM}.
 */
export const MAX_GRPC_WEIGHT_SUM = 2 ** 31 - 1;

/**
 * The integer weight to serve for a raw table entry: rounded and clamped into
 * [1, 2^32-1]. Absent, non-finite or non-positive entries become 1 (equal weights):
 * the weight table is trusted for ranking, never to take an endpoint away.
 */
export function toServedWeight(raw: number | undefined): number {
  if (raw === undefined || !Number.isFinite(raw)) {
    return 1;
  }
  return Math.min(MAX_WEIGHT_SUM, Math.max(1, Math.round(raw)));
}

/**
 * Scales integer weights (each ≥ 1) down so that their sum is at most `limit`, keeping
 * every weight ≥ 1 and the ratios as close as integers allow. Returns the input array
 * itself when it already fits, so the common case allocates nothing.
 *
 * Why the factor is (limit - n) / total: flooring can only lower a weight, and raising
 * a weight floored to 0 back to 1 adds at most 1 per weight, so the result sums to at
 * most limit - n + n. `limit` must be at least `weights.length`.
 */
export function fitWeights(weights: readonly number[], limit: number): readonly number[] {
  let total = 0;
  for (const w of weights) {
    total += w;
  }
  if (total <= limit) {
    return weights;
  }
  const factor = (limit - weights.length) / total;
  return weights.map((w) => Math.max(1, Math.floor(w * factor)));
}
