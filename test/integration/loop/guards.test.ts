/**
 * The loop's guards end to end (issue 3, "Real components"): three of five backends
 * degraded → panic → equal weights; Prometheus stopped → weights hold, then drift back to
 * equal, and nothing is ejected for lack of data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoopEnv, TARGET, type LoopEnv } from '../../support/loop/loop-env.js';
import { useXdsBootstrap, XdsLoad } from '../../support/loop/xds-load.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function spread(weights: Map<string, { served: number }>): number {
  const ws = [...weights.values()].map((e) => e.served);
  return Math.max(...ws) / Math.min(...ws);
}

describe('the loop\'s guards', () => {
  let env: LoopEnv;
  let load: XdsLoad;

  beforeAll(async () => {
    env = await startLoopEnv({
      backends: Array.from({ length: 5 }, () => ({ serviceTimeMs: 20, capacity: 8 })),
      annotations: { 'weir.dev/slow-start': '3s' },
    });
    useXdsBootstrap(env.weir.xdsAddress);
    load = new XdsLoad(TARGET, 100);
    await load.ready();
    load.start();
    await env.settled();
  }, 90_000);

  afterAll(async () => {
    load?.stop();
    await env?.stop();
  });

  it('enters panic with equal weights when three of five backends degrade, and leaves it when they heal', async () => {
    for (const b of env.backends.slice(0, 3)) b.set({ serviceTimeMs: 100 });
    // Slowness must last a few seconds (the engine's PANIC_CONFIRM_MS) before it is panic.
    await expect.poll(async () => (await env.service()).panic, { timeout: 30_000, interval: 500 }).toBe(true);
    // In panic every endpoint is served the same weight (read within the panic's first
    // seconds: it lasts at least 10 s). A read failed once in CI at a spread of 2.8, most
    // likely a slow backend cut to a trickle holding a few calls that Little's law read as
    // a queue of over a second, which the panic limited (fixed: inflight.ts `drainsNow`).
    await expect.poll(async () => spread(await env.weights()), { timeout: 8_000, interval: 500 }).toBe(1);
    expect((await env.service()).panic).toBe(true);

    for (const b of env.backends.slice(0, 3)) b.set({ serviceTimeMs: 20 });
    await expect.poll(async () => (await env.service()).panic, { timeout: 30_000, interval: 500 }).toBe(false);
    await env.settled();
  }, 150_000);

  it('holds weights when Prometheus stops, then drifts back to equal without ejecting anything', async () => {
    // First make the weights uneven: one slow backend.
    const slow = env.backends[4]!;
    slow.set({ serviceTimeMs: 100 });
    await expect.poll(async () => spread(await env.weights()), { timeout: 15_000, interval: 500 }).toBeGreaterThan(1.5);
    const before = await env.weights();

    await env.stopPrometheus();
    const stoppedAt = Date.now();
    // Shortly after: the weights hold (no jump to equal, no ejection).
    await sleep(3000);
    const held = await env.weights();
    expect(held.get(slow.name)!.served).toBeLessThanOrEqual(before.get(slow.name)!.served * 1.5);
    expect([...held.values()].some((e) => e.state === 'ejected')).toBe(false);
    expect((await env.service()).metricsAvailable).toBe(false);

    // Later: back to equal, and still nothing ejected.
    await expect.poll(async () => spread(await env.weights()), { timeout: 90_000, interval: 1000 }).toBe(1);
    const after = await env.weights();
    expect([...after.values()].every((e) => e.state !== 'ejected')).toBe(true);
    expect(Date.now() - stoppedAt).toBeGreaterThan(3000);
  }, 150_000);
});
