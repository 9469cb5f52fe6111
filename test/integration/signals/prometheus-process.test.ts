/**
 * The real-Prometheus launcher used by the demo, the tests and the benchmark.
 */
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startPrometheus, type PrometheusProcess } from '../../../src/demo/prometheus-process.js';
import { ERROR_CODES, isWeirError } from '../../../src/lib/errors.js';
import { startPromExporter, type PromExporter } from '../../support/prom-exporter.js';

let prometheus: PrometheusProcess | undefined;
let exporter: PromExporter | undefined;
afterEach(async () => {
  await prometheus?.stop();
  await exporter?.close();
  prometheus = undefined;
  exporter = undefined;
});

describe('startPrometheus', () => {
  it('names the install command when the binary is missing', async () => {
    const err: unknown = await startPrometheus({ binary: '/nonexistent/prometheus' }).catch((e: unknown) => e);
    expect(isWeirError(err, ERROR_CODES.MISSING_PREREQUISITE)).toBe(true);
    expect((err as Error).message).toContain('apt-get install -y prometheus');
  });

  it('scrapes targets set after start, with their labels, and cleans up on stop', async () => {
    exporter = await startPromExporter({ rps: 10, latencyMs: 5, errorRatio: 0 });
    prometheus = await startPrometheus({ scrapeIntervalMs: 1000 });
    expect(existsSync(prometheus.dir)).toBe(true);
    prometheus.setTargets([{ address: `http://${exporter.address}/metrics`, labels: { namespace: 'ns', service: 'svc', pod: 'p-1' } }]);
    const v = await prometheus.waitForData('up{namespace="ns", service="svc", pod="p-1"} == 1', { timeoutMs: 30_000 });
    expect(v.samples).toHaveLength(1);
    expect(exporter.scrapes()).toBeGreaterThan(0);
    const { url, dir } = prometheus;
    await prometheus.stop();
    expect(existsSync(dir)).toBe(false);
    await expect(fetch(`${url}/-/ready`)).rejects.toThrow();
  });

  it('gives up waiting for data with the last answer in the message', async () => {
    prometheus = await startPrometheus({ scrapeIntervalMs: 1000 });
    await expect(prometheus.waitForData('absent_metric_xyz', { timeoutMs: 600 })).rejects.toThrow(/no data for absent_metric_xyz.*0 series/);
  });
});
