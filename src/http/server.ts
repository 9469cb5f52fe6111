/**
 * weir's HTTP server on node:http (a handful of fixed routes needs no framework):
 * `/metrics`, `/healthz`, `/readyz`, `/api/weights`, `/api/history`, `/api/events` (SSE),
 * the dashboard's static files, and extra routes from the caller (the demo's controls).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { ERROR_CODES, WeirError } from '../lib/errors.js';
import { silentLogger, type Logger } from '../lib/log.js';
import type { LoopReport } from '../control/ports.js';
import { readJsonBody } from './body.js';
import { httpMetrics } from './http-metrics.js';
import type { HttpRoute, ReadyState, ReportFeed } from './ports.js';
import { ReportHistory, toHistoryPoint } from './report-history.js';
import { SseStreams } from './sse.js';
import { StaticFiles } from './static-files.js';
import { toWeightsView, type WeightsView } from './weights-view.js';

export interface HttpServerOptions {
  /** Address to listen on; default `127.0.0.1`. Use `0.0.0.0` (or `::`) in a pod. */
  readonly host?: string;
  /** Port; 0 picks a free one. */
  readonly port: number;
  /** The metrics served at `/metrics`. */
  readonly registry: Registry;
  /** The loop's reports. */
  readonly feed: ReportFeed;
  /** Readiness for `/readyz`: discovery synced and xDS listening. */
  readonly ready: () => ReadyState;
  /** Extra routes (exact method and path), checked before the built-in ones. */
  readonly routes?: readonly HttpRoute[];
  readonly log?: Logger;
  /** How much history to keep for charts, ms; default 5 minutes. */
  readonly historyMs?: number;
  /** Largest accepted request body, bytes; default 64 KiB. */
  readonly maxBodyBytes?: number;
  /** Interval of SSE keep-alive comments, ms; default 15 s. */
  readonly keepAliveMs?: number;
  /** Where the dashboard's files are; default found next to this module. */
  readonly staticDir?: string;
}

export interface RunningHttpServer {
  /** The address actually bound. */
  readonly address: string;
  /** The port actually bound. */
  readonly port: number;
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:9090`. */
  readonly url: string;
  /** Close every event stream and connection, then the server. Idempotent. */
  stop(): Promise<void>;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** The dashboard loads nothing from elsewhere and runs no inline script. */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

function sendJson(res: ServerResponse, status: number, body: unknown, head = false): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  res.end(head ? undefined : text);
}

/** The request target as a URL, or undefined when it does not parse. */
function parseUrl(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://weir.invalid');
  } catch {
    return undefined;
  }
}

function pathnameOf(target: string | undefined): string {
  return parseUrl(target)?.pathname ?? '';
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Start the HTTP server and resolve once it listens. Rejects with a WeirError
 * `LISTEN_FAILED` (its `cause` carries the system error, e.g. code `EADDRINUSE`) when
 * the port cannot be bound.
 */
export async function startHttpServer(opts: HttpServerOptions): Promise<RunningHttpServer> {
  const log = opts.log ?? silentLogger();
  const host = opts.host ?? '127.0.0.1';
  const maxBodyBytes = opts.maxBodyBytes ?? 64 * 1024;
  const routes = opts.routes ?? [];
  const files = new StaticFiles(opts.staticDir);
  const history = new ReportHistory(opts.historyMs ?? 5 * 60_000);
  const streams = new SseStreams(opts.keepAliveMs ?? 15_000);
  const metrics = httpMetrics(opts.registry);
  const builtIn = new Set(['/metrics', '/healthz', '/readyz', '/api/weights', '/api/history', '/api/events']);
  const routePaths = new Set(routes.map((r) => r.path));
  /** The route label of a request: a known path, `static` or `other`, so labels stay few. */
  const routeLabel = (pathname: string): string =>
    builtIn.has(pathname) || routePaths.has(pathname) ? pathname : files.has(pathname) ? 'static' : 'other';

  // The view of the latest report, built once per report and shared by every request.
  let viewOf: { report: LoopReport | undefined; view: WeightsView } = { report: undefined, view: toWeightsView(undefined) };
  const currentView = (): WeightsView => {
    const report = opts.feed.latest();
    if (report !== viewOf.report) viewOf = { report, view: toWeightsView(report) };
    return viewOf.view;
  };

  const onReport = (report: LoopReport): void => {
    if (report !== viewOf.report) viewOf = { report, view: toWeightsView(report) };
    const point = toHistoryPoint(viewOf.view);
    streams.broadcast('weights', viewOf.view);
    // The compact point goes out as it is kept: the dashboard's charts and a reconnect's
    // history are built from the same points.
    if (point) {
      history.add(point);
      streams.broadcast('point', point);
    }
  };
  const initial = opts.feed.latest();
  if (initial) onReport(initial);
  const unsubscribe = opts.feed.subscribe(onReport);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = parseUrl(req.url);
    if (!url) {
      sendJson(res, 400, { error: 'malformed request target' });
      return;
    }
    const path = url.pathname;

    const samePath = routes.filter((r) => r.path === path);
    if (samePath.length > 0) {
      const route = samePath.find((r) => r.method === method);
      if (!route) {
        res.setHeader('allow', samePath.map((r) => r.method).join(', '));
        sendJson(res, 405, { error: `method ${method} not allowed on ${path}` });
        return;
      }
      const body = await readJsonBody(req, maxBodyBytes);
      if (!body.ok) {
        sendJson(res, body.status, { error: body.error });
        return;
      }
      const answer = await route.handler({ method, url, body: body.value });
      sendJson(res, answer.status ?? 200, answer.body);
      return;
    }

    if (!builtIn.has(path) && !files.has(path)) {
      sendJson(res, 404, { error: `no such path: ${path}` });
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      sendJson(res, 405, { error: `method ${method} not allowed on ${path}` });
      return;
    }
    const head = method === 'HEAD';

    switch (path) {
      case '/metrics': {
        const text = await opts.registry.metrics();
        res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': opts.registry.contentType, 'cache-control': 'no-store' });
        res.end(head ? undefined : text);
        return;
      }
      case '/healthz':
        sendJson(res, 200, { status: 'ok' }, head);
        return;
      case '/readyz': {
        const state = opts.ready();
        sendJson(res, state.ready ? 200 : 503, { ready: state.ready, reasons: state.reasons }, head);
        return;
      }
      case '/api/weights':
        sendJson(res, 200, currentView(), head);
        return;
      case '/api/history':
        sendJson(res, 200, { points: history.points() }, head);
        return;
      case '/api/events': {
        if (head) {
          res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' });
          res.end();
          return;
        }
        const view = currentView();
        const initialEvents: { event: string; data: unknown }[] = [{ event: 'history', data: { points: history.points() } }];
        if (view.at !== null) initialEvents.push({ event: 'weights', data: view });
        streams.open(req, res, initialEvents);
        metrics.streams(streams.size);
        res.once('close', () => metrics.streams(streams.size));
        return;
      }
    }

    const file = await files.get(path);
    if (!file) {
      sendJson(res, 404, { error: `dashboard file missing for ${path}` });
      return;
    }
    const headers: Record<string, string | number> = {
      ...SECURITY_HEADERS,
      'content-type': file.type,
      'content-length': file.body.length,
      'cache-control': 'no-cache',
    };
    if (file.type.startsWith('text/html')) headers['content-security-policy'] = CONTENT_SECURITY_POLICY;
    res.writeHead(200, headers);
    res.end(head ? undefined : file.body);
  }

  const server = createServer((req, res) => {
    res.once('finish', () => metrics.request(routeLabel(pathnameOf(req.url)), res.statusCode));
    // A client that goes away mid-request must not take the process with it.
    req.on('error', (err) => log.debug({ err }, 'request stream error'));
    res.on('error', (err) => log.debug({ err }, 'response stream error'));
    handle(req, res).catch((err: unknown) => {
      log.warn({ err, method: req.method, url: req.url }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: err instanceof Error ? err.message : String(err) });
      else res.destroy();
    });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port: opts.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    unsubscribe();
    streams.close();
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new WeirError(ERROR_CODES.LISTEN_FAILED, `HTTP server cannot listen on ${host}:${opts.port}: ${code}`, {
      cause: err,
    });
  }
  server.on('error', (err) => log.error({ err }, 'HTTP server error'));

  const bound = server.address() as AddressInfo;
  const url = `http://${urlHost(bound.address)}:${bound.port}`;
  log.info({ address: bound.address, port: bound.port }, 'HTTP server listening');

  let stopping: Promise<void> | undefined;
  return {
    address: bound.address,
    port: bound.port,
    url,
    stop(): Promise<void> {
      stopping ??= new Promise<void>((resolve) => {
        unsubscribe();
        streams.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}
