/**
 * An HTTP proxy in front of a real Prometheus for the signals tests: it records every
 * query it forwards (to count queries per tick), and can misbehave on demand (500s,
 * garbage, slowness) the way a broken Prometheus or a bad gateway does.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ProxyMode = 'forward' | 'error-500' | 'garbage' | 'slow';

export interface QueryProxy {
  readonly url: string;
  /** The `query` of every /api/v1/query request since the last `reset`. */
  readonly queries: string[];
  mode: ProxyMode;
  /** How long `slow` waits before answering, in ms. */
  slowMs: number;
  reset(): void;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startQueryProxy(upstream: string): Promise<QueryProxy> {
  const state = { mode: 'forward' as ProxyMode, slowMs: 3_000 };
  const queries: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (req.url?.startsWith('/api/v1/query')) queries.push(new URLSearchParams(body.toString('utf8')).get('query') ?? '');
      switch (state.mode) {
        case 'error-500':
          res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
          return;
        case 'garbage':
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success","data":');
          return;
        case 'slow': {
          const t = setTimeout(() => {
            timers.delete(t);
            res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success","data":{"resultType":"vector","result":[]}}');
          }, state.slowMs);
          timers.add(t);
          return;
        }
        case 'forward': {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'connection') headers[k] = v;
          const upstreamRes = await fetch(`${upstream}${req.url ?? '/'}`, {
            method: req.method ?? 'GET',
            headers,
            ...(body.length > 0 ? { body: new Uint8Array(body) } : {}),
          });
          const text = Buffer.from(await upstreamRes.arrayBuffer());
          res.writeHead(upstreamRes.status, { 'content-type': upstreamRes.headers.get('content-type') ?? 'application/json' }).end(text);
          return;
        }
      }
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502).end(String(err));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    queries,
    get mode() {
      return state.mode;
    },
    set mode(m: ProxyMode) {
      state.mode = m;
    },
    get slowMs() {
      return state.slowMs;
    },
    set slowMs(ms: number) {
      state.slowMs = ms;
    },
    reset() {
      queries.length = 0;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
