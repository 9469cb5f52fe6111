/**
 * A test Kubernetes API server on 127.0.0.1:0 for the resources weir uses. It honours
 * what @kubernetes/client-node relies on: list and watch with resourceVersion, label
 * selectors, watch bookmarks, 410 Gone for expired versions, chunked newline-delimited
 * watch streams, create/update/merge-patch/delete with resourceVersion preconditions
 * (409), status subresources, owner-reference garbage collection; and it injects faults
 * (dropped watches, N failing requests, slow responses). Test-only: never in src/.
 */
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { apiVersionOf, parseApiPath, RESOURCES, resourceId, type ResourceInfo } from './resources.js';
import { parseLabelSelector, type LabelMatcher } from './selectors.js';
import { ApiError, mergePatch, ObjectStore, type KubeObject, type StoredEvent } from './store.js';

export interface TestApiServerOptions {
  /** Events kept for watches; older versions get 410 Gone. Default 10,000. */
  historyLimit?: number;
  /** How often an open watch that asked for bookmarks gets one, ms. Default 1,000. */
  bookmarkIntervalMs?: number;
}

/** One answered request, for assertions on what the client did. */
export interface RequestRecord {
  readonly at: number;
  readonly method: string;
  readonly resource: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
  readonly watch: boolean;
  readonly status: number;
  readonly query: Readonly<Record<string, string>>;
}

/** Which requests a fault applies to; every given field must match. */
export interface RequestFilter {
  method?: string;
  /** Plural, e.g. 'endpointslices'. */
  resource?: string;
  subresource?: string;
  watch?: boolean;
}

interface Fault {
  remaining: number;
  status: number;
  filter: RequestFilter;
}

interface OpenWatch {
  readonly res: http.ServerResponse;
  readonly close: () => void;
}

export class TestApiServer {
  readonly store: ObjectStore;
  /** Every request answered, in order. */
  readonly requests: RequestRecord[] = [];
  /** Delay added before answering every request (and before a watch's first byte), ms. */
  delayMs = 0;
  private readonly faults: Fault[] = [];
  private readonly watches = new Set<OpenWatch>();
  private readonly server: http.Server;
  private readonly bookmarkIntervalMs: number;
  private url = '';

  private constructor(options: TestApiServerOptions) {
    this.store = new ObjectStore(RESOURCES, options.historyLimit ?? 10_000);
    this.bookmarkIntervalMs = options.bookmarkIntervalMs ?? 1_000;
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendStatus(res, 500, 'InternalError', String(err));
        else res.destroy();
      });
    });
  }

  /** Start a server on 127.0.0.1 on a free port. */
  static async start(options: TestApiServerOptions = {}): Promise<TestApiServer> {
    const s = new TestApiServer(options);
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      s.server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = s.server.address() as AddressInfo;
    s.url = `http://127.0.0.1:${port}`;
    return s;
  }

  get baseUrl(): string {
    return this.url;
  }

  /** A KubeConfig that points @kubernetes/client-node at this server. */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'test', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'test' }],
      contexts: [{ name: 'test', cluster: 'test', user: 'test', namespace: 'default' }],
      currentContext: 'test',
    });
    return kc;
  }

  /** Write a kubeconfig file for this server (for `weir start --kubeconfig FILE`); returns its path. */
  writeKubeconfig(path: string): string {
    writeFileSync(path, this.kubeConfig().exportConfig());
    return path;
  }

  /** The next `count` requests matching `filter` fail with `status` (default 500). */
  failRequests(count: number, filter: RequestFilter = {}, status = 500): void {
    this.faults.push({ remaining: count, status, filter });
  }

  /** Cut every open watch stream abruptly (as a dropped connection would). */
  dropWatches(): void {
    for (const w of [...this.watches]) {
      w.res.destroy();
      w.close();
    }
  }

  /** End every open watch stream cleanly (as the server's watch timeout would). */
  endWatches(): void {
    for (const w of [...this.watches]) {
      w.res.end();
      w.close();
    }
  }

  /** Forget the event history: watches resuming from an older version get 410 Gone. */
  expireHistory(): void {
    this.store.compact();
  }

  openWatchCount(): number {
    return this.watches.size;
  }

  /** Requests matching `filter`. */
  count(filter: RequestFilter & { since?: number; status?: number }): number {
    return this.requests.filter(
      (r) =>
        matches(filter, r.method, r.resource, r.subresource, r.watch) &&
        (filter.since === undefined || r.at >= filter.since) &&
        (filter.status === undefined || r.status === filter.status),
    ).length;
  }

  async close(): Promise<void> {
    this.dropWatches();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- HTTP ---------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query = Object.fromEntries(url.searchParams.entries());
    const path = parseApiPath(url.pathname);
    const method = req.method ?? 'GET';
    const watch = query.watch === 'true' || query.watch === '1';
    const body = await readBody(req);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));

    const record = (status: number): void => {
      this.requests.push({
        at: Date.now(),
        method,
        resource: path?.resource.plural ?? url.pathname,
        namespace: path?.namespace,
        name: path?.name,
        subresource: path?.subresource,
        watch,
        status,
        query,
      });
    };
    if (!path) {
      record(404);
      sendStatus(res, 404, 'NotFound', `the server could not find the requested resource (${url.pathname})`);
      return;
    }
    const fault = this.faults.find(
      (f) => f.remaining > 0 && matches(f.filter, method, path.resource.plural, path.subresource, watch),
    );
    if (fault) {
      fault.remaining--;
      record(fault.status);
      sendStatus(res, fault.status, 'InternalError', 'injected fault');
      return;
    }
    try {
      const { resource, namespace, name, subresource } = path;
      if (method === 'GET' && name === undefined && watch) {
        record(200);
        this.serveWatch(res, resource, namespace, query);
        return;
      }
      let status = 200;
      let out: unknown;
      if (method === 'GET' && name === undefined) {
        const selector = parseSelector(query.labelSelector);
        const items = this.store.list(resource, namespace).filter((o) => selector(o.metadata.labels));
        out = {
          apiVersion: apiVersionOf(resource),
          kind: `${resource.kind}List`,
          metadata: { resourceVersion: String(this.store.currentRv()) },
          items,
        };
      } else if (method === 'GET' && name !== undefined) {
        out = this.store.get(resource, namespace, name);
      } else if (method === 'POST' && name === undefined) {
        out = this.store.create(resource, namespace, parseJson(body) as KubeObject);
        status = 201;
      } else if (method === 'PUT' && name !== undefined) {
        out = this.store.update(resource, namespace, name, parseJson(body) as KubeObject, subresource);
      } else if (method === 'PATCH' && name !== undefined) {
        out = this.patch(resource, namespace, name, subresource, req.headers['content-type'] ?? '', body);
      } else if (method === 'DELETE' && name !== undefined) {
        const opts = body === '' ? {} : (parseJson(body) as { preconditions?: { resourceVersion?: string; uid?: string } });
        out = this.store.delete(resource, namespace, name, opts.preconditions);
      } else {
        throw new ApiError(405, 'MethodNotAllowed', `${method} is not supported here`);
      }
      record(status);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      record(err.code);
      sendStatus(res, err.code, err.reason, err.message);
    }
  }

  private patch(
    resource: ResourceInfo,
    namespace: string | undefined,
    name: string,
    subresource: string | undefined,
    contentType: string,
    body: string,
  ): KubeObject {
    // Strategic merge is treated as a JSON merge patch: weir's objects have no lists
    // that strategic merge would merge by key.
    if (!contentType.startsWith('application/merge-patch+json') && !contentType.startsWith('application/strategic-merge-patch+json')) {
      throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json (got ${contentType})`);
    }
    const patch = parseJson(body) as KubeObject;
    const current = this.store.get(resource, namespace, name);
    const merged = mergePatch(current, patch) as KubeObject;
    // A resourceVersion in the patch is a precondition; otherwise the patch applies to
    // whatever is current.
    merged.metadata.resourceVersion = patch.metadata?.resourceVersion ?? current.metadata.resourceVersion;
    return this.store.update(resource, namespace, name, merged, subresource);
  }

  private serveWatch(res: http.ServerResponse, resource: ResourceInfo, namespace: string | undefined, query: Record<string, string>): void {
    const selector = parseSelector(query.labelSelector);
    const rvParam = query.resourceVersion ?? '';
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    // As the real server does: the client's watch() resolves on the headers.
    res.flushHeaders();
    const send = (type: string, object: unknown): void => {
      res.write(`${JSON.stringify({ type, object })}\n`);
    };
    const id = resourceId(resource);
    const inScope = (o: KubeObject | undefined): boolean =>
      o !== undefined && (namespace === undefined || o.metadata.namespace === namespace) && selector(o.metadata.labels);
    const deliver = (e: StoredEvent): void => {
      if (e.resource !== id) return;
      const now = inScope(e.object);
      const before = e.type === 'MODIFIED' ? inScope(e.previous) : now;
      if (now && before) send(e.type, e.object);
      else if (now && !before) send('ADDED', e.object);
      else if (!now && before) send('DELETED', e.object);
    };

    let backlog: StoredEvent[];
    if (rvParam === '' || rvParam === '0') {
      // "Any version": start with the current state as synthetic ADDED events.
      backlog = [];
      for (const o of this.store.list(resource, namespace)) if (selector(o.metadata.labels)) send('ADDED', o);
    } else {
      const since = this.store.eventsSince(Number(rvParam), resource);
      if (since === undefined) {
        send('ERROR', {
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          message: `too old resource version: ${rvParam} (${this.store.oldestRv()})`,
          reason: 'Expired',
          code: 410,
        });
        res.end();
        return;
      }
      backlog = since;
    }
    for (const e of backlog) deliver(e);

    const unsubscribe = this.store.subscribe(deliver);
    const timers: NodeJS.Timeout[] = [];
    if (query.allowWatchBookmarks === 'true') {
      timers.push(
        setInterval(() => {
          send('BOOKMARK', {
            kind: resource.kind,
            apiVersion: apiVersionOf(resource),
            metadata: { resourceVersion: String(this.store.currentRv()) },
          });
        }, this.bookmarkIntervalMs),
      );
    }
    const timeoutSeconds = Number(query.timeoutSeconds ?? '0');
    if (timeoutSeconds > 0) timers.push(setTimeout(() => res.end(), timeoutSeconds * 1000));
    const entry: OpenWatch = {
      res,
      close: () => {
        unsubscribe();
        for (const t of timers) clearTimeout(t);
        this.watches.delete(entry);
      },
    };
    this.watches.add(entry);
    res.on('close', entry.close);
  }
}

function matches(filter: RequestFilter, method: string, resource: string, subresource: string | undefined, watch: boolean): boolean {
  return (
    (filter.method === undefined || filter.method === method) &&
    (filter.resource === undefined || filter.resource === resource) &&
    (filter.subresource === undefined || filter.subresource === subresource) &&
    (filter.watch === undefined || filter.watch === watch)
  );
}

function parseSelector(s: string | undefined): LabelMatcher {
  try {
    return parseLabelSelector(s);
  } catch (err) {
    throw new ApiError(400, 'BadRequest', (err as Error).message);
  }
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new ApiError(400, 'BadRequest', 'the request body is not JSON');
  }
}

function sendStatus(res: http.ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
