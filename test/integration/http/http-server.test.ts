import { afterEach, describe, expect, test } from 'vitest';
import { createServer } from 'node:net';
import { Registry, Counter } from 'prom-client';
import { ReportHub, startHttpServer, type HttpRoute, type ReadyState, type RunningHttpServer } from '../../../src/http/index.js';
import { isWeirError } from '../../../src/lib/errors.js';
import { buildReport } from '../../unit/http/report-fixture.js';

const running: RunningHttpServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

function report(at: number, weightOfA: number) {
  return buildReport(at, [
    {
      namespace: 'demo',
      name: 'echo',
      endpoints: [
        { address: '127.0.0.1', pod: 'a', weight: weightOfA, latencyMs: 20 },
        { address: '127.0.0.2', pod: 'b', weight: 100, latencyMs: 10 },
      ],
    },
  ]);
}

async function start(options: { routes?: HttpRoute[]; ready?: () => ReadyState; registry?: Registry } = {}) {
  const hub = new ReportHub();
  const server = await startHttpServer({
    port: 0,
    registry: options.registry ?? new Registry(),
    feed: hub,
    ready: options.ready ?? (() => ({ ready: true, reasons: [] })),
    ...(options.routes ? { routes: options.routes } : {}),
  });
  running.push(server);
  return { hub, server };
}

/** Reads SSE events from a fetch response body. */
function eventReader(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    async next(): Promise<{ event: string; data: unknown } | undefined> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split('\n');
          const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
          const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
          if (event && data !== undefined) return { event, data: JSON.parse(data) as unknown };
          continue;
        }
        const { done, value } = await reader.read();
        if (done) return undefined;
        buffer += decoder.decode(value, { stream: true });
      }
    },
    cancel: () => reader.cancel(),
  };
}

describe('HTTP server', () => {
  test('/healthz is live; /readyz follows the ready callback with its reasons', async () => {
    let state: ReadyState = { ready: false, reasons: ['discovery not synced', 'xDS not listening'] };
    const { server } = await start({ ready: () => state });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${server.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ ready: false, reasons: ['discovery not synced', 'xDS not listening'] });
    state = { ready: true, reasons: [] };
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  test('/metrics serves the registry with its content type', async () => {
    const registry = new Registry();
    new Counter({ name: 'weir_test_total', help: 'a test counter', registers: [registry] }).inc(3);
    const { server } = await start({ registry });
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(registry.contentType);
    expect(await res.text()).toContain('weir_test_total 3');
    await fetch(`${server.url}/nope`);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toContain('weir_http_requests_total{route="/metrics",code="200"} 1');
    expect(text).toContain('weir_http_requests_total{route="other",code="404"} 1');
    expect(text).toContain('weir_http_event_streams 0');
  });

  test('/api/weights is empty before the first report, then shows the latest', async () => {
    const { hub, server } = await start();
    expect(await (await fetch(`${server.url}/api/weights`)).json()).toEqual({ at: null, services: [] });
    hub.report(report(1_000, 300));
    const res = await fetch(`${server.url}/api/weights`);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const view = (await res.json()) as { at: number; services: { id: string; endpoints: { pod: string; share: number }[] }[] };
    expect(view.at).toBe(1_000);
    expect(view.services[0]!.id).toBe('demo/echo');
    expect(view.services[0]!.endpoints.map((e) => [e.pod, e.share])).toEqual([
      ['a', 0.75],
      ['b', 0.25],
    ]);
  });

  test('/api/events sends the history and the latest view on connect, then each new report and its point', async () => {
    const { hub, server } = await start();
    hub.report(report(1_000, 100));
    hub.report(report(2_000, 200));
    const res = await fetch(`${server.url}/api/events`);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = eventReader(res.body!);
    const first = await events.next();
    expect(first?.event).toBe('history');
    expect((first?.data as { points: { at: number }[] }).points.map((p) => p.at)).toEqual([1_000, 2_000]);
    const second = await events.next();
    expect(second).toMatchObject({ event: 'weights', data: { at: 2_000 } });
    hub.report(report(3_000, 300));
    expect(await events.next()).toMatchObject({ event: 'weights', data: { at: 3_000 } });
    // Then the tick's point for the charts, the one the history keeps.
    const point = await events.next();
    expect(point).toMatchObject({ event: 'point', data: { at: 3_000 } });
    const history = (await (await fetch(`${server.url}/api/history`)).json()) as { points: unknown[] };
    expect(history.points).toHaveLength(3);
    expect(point?.data).toEqual((history.points as unknown[])[2]);
    await events.cancel();
  });

  test('stop() ends open event streams and closes the server', async () => {
    const hub = new ReportHub();
    const server = await startHttpServer({ port: 0, registry: new Registry(), feed: hub, ready: () => ({ ready: true, reasons: [] }) });
    const res = await fetch(`${server.url}/api/events`);
    const events = eventReader(res.body!);
    expect((await events.next())?.event).toBe('history');
    await server.stop();
    expect(await events.next()).toBeUndefined();
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    await server.stop();
  });

  test('a client going away mid-stream does not hurt the server', async () => {
    const { hub, server } = await start();
    for (let i = 0; i < 5; i++) {
      const controller = new AbortController();
      const res = await fetch(`${server.url}/api/events`, { signal: controller.signal });
      const events = eventReader(res.body!);
      await events.next();
      controller.abort();
    }
    hub.report(report(1, 1));
    hub.report(report(2, 2));
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  test('serves the dashboard files with their content types, and nothing else from disk', async () => {
    const { server } = await start();
    const index = await fetch(`${server.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await index.text()).toContain('<title>');
    expect((await fetch(`${server.url}/app.js`)).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(`${server.url}/style.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/static/app.js', '/server.ts', '/..%2fserver.ts']) {
      expect((await fetch(`${server.url}${path}`)).status, path).toBe(404);
    }
  });

  test('built-in routes refuse other methods; unknown paths are 404', async () => {
    const { server } = await start();
    const post = await fetch(`${server.url}/api/weights`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    const head = await fetch(`${server.url}/api/weights`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    const headEvents = await fetch(`${server.url}/api/events`, { method: 'HEAD' });
    expect(headEvents.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(await headEvents.text()).toBe('');
  });

  test('extra routes get parsed JSON; bad JSON, big bodies and wrong methods are refused', async () => {
    const seen: unknown[] = [];
    const routes: HttpRoute[] = [
      { method: 'GET', path: '/api/demo', handler: () => ({ body: { demo: true } }) },
      {
        method: 'POST',
        path: '/api/demo/action',
        handler: (req) => {
          seen.push(req.body);
          return { status: 202, body: { ok: true } };
        },
      },
      {
        method: 'POST',
        path: '/api/boom',
        handler: () => {
          throw new Error('kaboom');
        },
      },
    ];
    const { server } = await start({ routes });
    expect(await (await fetch(`${server.url}/api/demo`)).json()).toEqual({ demo: true });
    const json = { 'content-type': 'application/json' };
    const ok = await fetch(`${server.url}/api/demo/action`, { method: 'POST', headers: json, body: '{"backend":"b1"}' });
    expect(ok.status).toBe(202);
    expect(seen).toEqual([{ backend: 'b1' }]);

    const bad = await fetch(`${server.url}/api/demo/action`, { method: 'POST', headers: json, body: '{"backend":' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/not valid JSON/);

    const big = await fetch(`${server.url}/api/demo/action`, { method: 'POST', headers: json, body: JSON.stringify({ x: 'y'.repeat(70_000) }) });
    expect(big.status).toBe(413);

    const text = await fetch(`${server.url}/api/demo/action`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    expect(text.status).toBe(415);

    const wrong = await fetch(`${server.url}/api/demo`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);

    const boom = await fetch(`${server.url}/api/boom`, { method: 'POST' });
    expect(boom.status).toBe(500);
    expect(await boom.json()).toEqual({ error: 'kaboom' });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(seen).toHaveLength(1);
  });

  test('a busy port fails with LISTEN_FAILED naming the port', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const err: unknown = await startHttpServer({
        port,
        registry: new Registry(),
        feed: new ReportHub(),
        ready: () => ({ ready: true, reasons: [] }),
      }).catch((e: unknown) => e);
      expect(isWeirError(err, 'WEIR_LISTEN_FAILED')).toBe(true);
      expect((err as Error).message).toContain(`:${port}: EADDRINUSE`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
