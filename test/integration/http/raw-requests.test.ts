import { afterAll, beforeAll, expect, test } from 'vitest';
import { connect } from 'node:net';
import { Registry } from 'prom-client';
import { ReportHub, startHttpServer, type RunningHttpServer } from '../../../src/http/index.js';

let server: RunningHttpServer;
beforeAll(async () => {
  server = await startHttpServer({
    port: 0,
    registry: new Registry(),
    feed: new ReportHub(),
    ready: () => ({ ready: true, reasons: [] }),
    routes: [{ method: 'POST', path: '/api/echo', handler: (req) => ({ body: req.body }) }],
  });
});
afterAll(async () => {
  await server?.stop();
});

/** Send raw bytes and read until the server closes or answers. */
function raw(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1', () => socket.write(text));
    let out = '';
    socket.on('data', (d) => {
      out += d.toString();
      if (out.includes('\r\n\r\n')) socket.end();
    });
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer')));
  });
}

test('malformed requests get a 400, not a crash; the server keeps serving', async () => {
  expect(await raw('GET http://[::1 HTTP/1.1\r\nhost: x\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
  expect(await raw('NONSENSE\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
  expect(await raw('GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n')).toMatch(/^HTTP\/1\.1 200/);
});

test('a client that sends half a body and vanishes does not hurt the server', async () => {
  await new Promise<void>((resolve) => {
    const socket = connect(server.port, '127.0.0.1', () => {
      socket.write('POST /api/echo HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"a":');
      socket.destroy();
      resolve();
    });
  });
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  const echo = await fetch(`${server.url}/api/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
  expect(await echo.json()).toEqual({ a: 1 });
});
