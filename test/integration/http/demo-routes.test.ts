import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Registry } from 'prom-client';
import { startBackend, type Backend } from '../../../src/demo/backend/index.js';
import { DEMO_BACKENDS, demoRoutes } from '../../../src/demo/index.js';
import { ReportHub, startHttpServer, type RunningHttpServer } from '../../../src/http/index.js';

let server: RunningHttpServer;
const backends: { spec: (typeof DEMO_BACKENDS)[number]; backend: Backend }[] = [];

beforeAll(async () => {
  for (const spec of DEMO_BACKENDS.slice(0, 2)) {
    const backend = await startBackend({ name: spec.name, host: spec.host, serviceTimeMs: spec.serviceTimeMs, capacity: spec.capacity });
    backends.push({ spec, backend });
  }
  server = await startHttpServer({
    port: 0,
    registry: new Registry(),
    feed: new ReportHub(),
    ready: () => ({ ready: true, reasons: [] }),
    routes: demoRoutes({
      serviceId: 'demo/echo',
      backends: () => backends,
      traffic: () => ({ rps: 100, okRatio: 1, shares: { 'backend-1': 0.5, 'backend-2': 0.5 }, errorRatios: {} }),
      links: () => ({ Prometheus: 'http://127.0.0.1:9' }),
    }),
  });
});

afterAll(async () => {
  await server?.stop();
  await Promise.all(backends.map((b) => b.backend.stop()));
});

async function post(body: string) {
  const res = await fetch(`${server.url}/api/demo/backends`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('demo routes on the HTTP server', () => {
  test('GET /api/demo lists the backends with their address, state, condition, and the traffic', async () => {
    const demo = (await (await fetch(`${server.url}/api/demo`)).json()) as {
      backends: { name: string; address: string; condition: string; state: { capacity: number } }[];
      load: { rps: number };
      links: Record<string, string>;
    };
    expect(demo.backends.map((b) => [b.name, b.address, b.condition, b.state.capacity])).toEqual([
      ['backend-1', '127.0.0.11', 'healthy', 8],
      ['backend-2', '127.0.0.12', 'healthy', 6],
    ]);
    expect(demo.load.rps).toBe(100);
    expect(demo.links).toEqual({ Prometheus: 'http://127.0.0.1:9' });
  });

  test('POST break, then heal, changes the real backend', async () => {
    const broken = await post('{"backend":"backend-2","action":"break"}');
    expect(broken.status).toBe(200);
    expect(broken.json).toMatchObject({ name: 'backend-2', condition: 'broken' });
    expect(backends[1]!.backend.state().errorRate).toBe(0.3);
    const healed = await post('{"backend":"backend-2","action":"heal"}');
    expect(healed.json).toMatchObject({ condition: 'healthy' });
    expect(backends[1]!.backend.state()).toMatchObject({ errorRate: 0, serviceTimeMs: 20, failFast: false });
  });

  test('bad requests are refused with the problem named, and change nothing', async () => {
    expect(await post('{"backend":"backend-1","action":"explode"}')).toEqual({
      status: 400,
      json: { error: 'action: must be one of slow, break, fail-fast, heal, got "explode"' },
    });
    const unknown = await post('{"backend":"backend-9","action":"break"}');
    expect(unknown.status).toBe(404);
    expect(unknown.json['error']).toContain('known: backend-1, backend-2');
    expect((await post('[1,2]')).status).toBe(400);
    expect((await post('{"backend":')).status).toBe(400);
    expect(backends[0]!.backend.state().errorRate).toBe(0);
  });
});
