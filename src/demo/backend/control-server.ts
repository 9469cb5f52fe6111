import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { ERROR_CODES, WeirError } from '../../lib/errors.js';
import { validateStateUpdate, type BackendState } from './state.js';

/** Largest accepted control body: the state is four fields. */
const MAX_BODY_BYTES = 16 * 1024;

/** What the HTTP side needs from the backend. */
export interface ControlHandlers {
  readonly registry: Registry;
  state(): BackendState;
  set(update: Partial<BackendState>): BackendState;
  stats(): Record<string, number>;
}

/**
 * The backend's HTTP server on `host:port` (0 for any free port):
 * - `GET /metrics`: the backend's own registry, in Prometheus text format;
 * - `GET /state`: `{ state, stats }` as JSON;
 * - `POST /state` with a partial {@link BackendState}: applies it at once and answers the
 *   new state, or 400 with `{ errors: [...] }` naming each bad field.
 */
export async function startControlServer(
  handlers: ControlHandlers,
  host: string,
  port: number,
): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((req, res) => {
    handle(handlers, req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { errors: [String(err)] });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new WeirError(ERROR_CODES.LISTEN_FAILED, `backend HTTP cannot listen on ${host}:${port}`, { cause: err })),
    );
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

async function handle(h: ControlHandlers, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://backend');
  if (url.pathname === '/metrics' && req.method === 'GET') {
    const body = await h.registry.metrics();
    res.writeHead(200, { 'content-type': h.registry.contentType });
    res.end(body);
    return;
  }
  if (url.pathname === '/state' && req.method === 'GET') {
    sendJson(res, 200, { state: h.state(), stats: h.stats() });
    return;
  }
  if (url.pathname === '/state' && req.method === 'POST') {
    const text = await readBody(req);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      sendJson(res, 400, { errors: ['(root): body is not valid JSON'] });
      return;
    }
    const checked = validateStateUpdate(parsed);
    if (!checked.valid) {
      sendJson(res, 400, { errors: checked.errors });
      return;
    }
    sendJson(res, 200, { state: h.set(checked.result) });
    return;
  }
  if (url.pathname === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok\n');
    return;
  }
  sendJson(res, 404, { errors: [`${req.method ?? 'GET'} ${url.pathname}: not found`] });
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new Error(`body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
