import { afterEach, expect, test } from 'vitest';
import { startInProcessApiSide, type ApiSide } from '../../../bench/kube-churn/api-side.js';
import { runKubeChurn } from '../../../bench/kube-churn/churn.js';

let api: ApiSide | undefined;
afterEach(async () => {
  await api?.close();
});

test('the kube-churn bench runs end to end on a tiny cluster', async () => {
  api = await startInProcessApiSide(20, 3);
  const r = await runKubeChurn(api, { services: 20, endpoints: 3, ratePerSecond: 20, durationS: 2, holdOffMs: 20, statusMinIntervalMs: 200, tickMs: 200 });
  expect(r.changes).toBe(40);
  expect(r.observed).toBe(40);
  expect(r.latencyMs.p99).toBeGreaterThanOrEqual(r.latencyMs.p50);
  expect(r.latencyMs.p99).toBeLessThan(5_000);
  // Every change reached the xDS cache, after it reached the Topology.
  expect(r.xdsLatencyMs.observed).toBe(40);
  expect(r.xdsLatencyMs.p50).toBeGreaterThanOrEqual(r.latencyMs.p50 * 0.5);
  expect(r.xdsLatencyMs.p99).toBeLessThan(5_000);
  expect(r.statusWritesPerSecond.mean).toBeGreaterThan(0);
  expect(r.weirRssMiB.max).toBeGreaterThan(0);
});
