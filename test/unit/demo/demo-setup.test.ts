import { createServer } from 'node:net';
import { describe, expect, test } from 'vitest';
import { DEFAULT_BACKEND_STATE, type BackendState } from '../../../src/demo/backend/index.js';
import { DEMO_ACTIONS, DEMO_BACKENDS, conditionOf, demoEndpointsFile, stateFor } from '../../../src/demo/index.js';
import { choosePort } from '../../../src/demo/free-port.js';
import { parseEndpointsFile } from '../../../src/discovery/file/index.js';

describe('demo backends', () => {
  test('five backends, each on its own loopback address, with different capacities', () => {
    expect(DEMO_BACKENDS).toHaveLength(5);
    expect(new Set(DEMO_BACKENDS.map((b) => b.host)).size).toBe(5);
    expect(new Set(DEMO_BACKENDS.map((b) => b.capacity * (1000 / b.serviceTimeMs))).size).toBe(5);
  });

  test('each action leads to the condition its button shows, and heal undoes every one', () => {
    const spec = DEMO_BACKENDS[2]!;
    const apply = (from: BackendState, action: (typeof DEMO_ACTIONS)[number]): BackendState => ({ ...from, ...stateFor(spec, action) });
    const normal: BackendState = { ...DEFAULT_BACKEND_STATE, serviceTimeMs: spec.serviceTimeMs, capacity: spec.capacity };
    expect(conditionOf(spec, normal)).toBe('healthy');
    const expected = { slow: 'slow', break: 'broken', 'fail-fast': 'failing', heal: 'healthy' } as const;
    for (const action of DEMO_ACTIONS) {
      const after = apply(normal, action);
      expect(conditionOf(spec, after), action).toBe(expected[action]);
      expect(apply(after, 'heal'), `heal after ${action}`).toEqual(normal);
    }
    expect(stateFor(spec, 'slow').serviceTimeMs).toBe(spec.serviceTimeMs * 5);
    expect(stateFor(spec, 'break').errorRate).toBe(0.3);
  });

  test('the endpoints file is valid for file discovery and names each backend as a pod', () => {
    const file = demoEndpointsFile(DEMO_BACKENDS.map((spec, i) => ({ spec, grpcPort: 40_000 + i })));
    const parsed = parseEndpointsFile(file);
    if (!parsed.valid) throw new Error(parsed.errors.join('\n'));
    const service = parsed.result.services.get('demo/echo')!;
    expect(service.ports).toEqual([{ name: 'grpc', port: 50051, protocol: 'TCP' }]);
    expect(service.endpoints.map((e) => [e.address, e.pod, e.ports['grpc']])).toEqual(
      DEMO_BACKENDS.map((b, i) => [b.host, b.name, 40_000 + i]),
    );
    expect(service.problems).toEqual([]);
  });
});

describe('choosePort', () => {
  test('keeps a free port, replaces a taken one with 0 and says which', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    try {
      expect(await choosePort('127.0.0.1', 0, 'x')).toEqual({ port: 0 });
      const replaced = await choosePort('127.0.0.1', taken, 'dashboard (--http-port)');
      expect(replaced.port).toBe(0);
      expect(replaced.note).toBe(`port ${taken} for the dashboard (--http-port) is taken; using a free port instead`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    expect(await choosePort('127.0.0.1', taken, 'x')).toEqual({ port: taken });
  });
});
