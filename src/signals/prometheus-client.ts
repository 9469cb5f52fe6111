/**
 * A small client of the Prometheus HTTP query API: instant queries only, which is all the
 * signals need. It speaks to anything that implements `/api/v1/query` (Prometheus,
 * Thanos Query, Mimir, VictoriaMetrics); the base URL may carry a path prefix
 * (`https://mimir.example/prometheus`).
 *
 * Transport is `node:http`/`node:https` rather than the global fetch: it takes a CA
 * bundle per agent without a new dependency, and a keep-alive agent reuses connections
 * across ticks.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { ERROR_CODES, WeirError } from '../lib/errors.js';
import { PrometheusQueryError, parseInstantAnswer, type InstantVector } from './query-answer.js';

/** Options of {@link createPrometheusClient}. */
export interface PrometheusClientOptions {
  /** Base URL, e.g. `http://prometheus:9090` or `https://mimir/prometheus`. */
  readonly url: string;
  /** Per-query timeout in ms (default 5000). */
  readonly timeoutMs?: number;
  /** Sent as `Authorization: Bearer …`. Exclusive with `basicAuth`. */
  readonly bearerToken?: string;
  readonly basicAuth?: { readonly username: string; readonly password: string };
  /** Path of a PEM CA bundle trusted for `https` URLs (read once, here). */
  readonly caFile?: string;
  /** Extra headers, e.g. `X-Scope-OrgID` for Mimir or Cortex tenants. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Largest answer accepted, in bytes (default 64 MiB). */
  readonly maxResponseBytes?: number;
}

/** Options of one query. */
export interface QueryOptions {
  /** Evaluation time in ms since the epoch; the server's "now" when absent. */
  readonly time?: number;
  /** Aborts the query (the per-query timeout applies as well). */
  readonly signal?: AbortSignal;
}

/** An instant-query client. */
export interface PrometheusClient {
  /** The base URL queries go to. */
  readonly url: string;
  /**
   * Run an instant query (`POST /api/v1/query`, form-encoded). Resolves with the validated
   * vector (values may be NaN/±Inf); rejects with a {@link PrometheusQueryError}
   * (code PROMETHEUS_QUERY_FAILED) on timeout, abort, network error, non-2xx status or
   * an answer that is not an instant vector.
   */
  query(promql: string, options?: QueryOptions): Promise<InstantVector>;
  /** Close idle keep-alive connections. */
  close(): void;
}

const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Create a client. Throws WeirError CONFIG_INVALID for a URL that is not http(s), both
 * auth methods at once, or an unreadable CA file.
 */
export function createPrometheusClient(options: PrometheusClientOptions): PrometheusClient {
  let base: URL;
  try {
    base = new URL(options.url);
  } catch (cause) {
    throw new WeirError(ERROR_CODES.CONFIG_INVALID, `Prometheus URL is not a URL: ${options.url}`, { cause });
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new WeirError(ERROR_CODES.CONFIG_INVALID, `Prometheus URL must be http or https: ${options.url}`);
  }
  if (options.bearerToken !== undefined && options.basicAuth !== undefined) {
    throw new WeirError(ERROR_CODES.CONFIG_INVALID, 'Prometheus: set a bearer token or basic auth, not both');
  }
  let ca: Buffer | undefined;
  if (options.caFile !== undefined) {
    try {
      ca = readFileSync(options.caFile);
    } catch (cause) {
      throw new WeirError(ERROR_CODES.CONFIG_INVALID, `Prometheus CA file cannot be read: ${options.caFile}`, { cause });
    }
  }
  const secure = base.protocol === 'https:';
  const agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 16, ca }) : new http.Agent({ keepAlive: true, maxSockets: 16 });
  const endpoint = new URL(`${base.pathname.replace(/\/+$/, '')}/api/v1/query`, base);
  endpoint.search = base.search;
  const headers: Record<string, string> = {
    ...options.headers,
    accept: 'application/json',
    'content-type': 'application/x-www-form-urlencoded',
  };
  if (options.bearerToken !== undefined) headers.authorization = `Bearer ${options.bearerToken}`;
  if (options.basicAuth !== undefined) {
    const { username, password } = options.basicAuth;
    headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_BYTES;
  const request = secure ? https.request : http.request;

  async function query(promql: string, queryOptions: QueryOptions = {}): Promise<InstantVector> {
    const form = new URLSearchParams({ query: promql });
    if (queryOptions.time !== undefined) form.set('time', (queryOptions.time / 1000).toFixed(3));
    const body = form.toString();
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = queryOptions.signal ? AbortSignal.any([queryOptions.signal, timeout]) : timeout;
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const fail = (cause: unknown): void => {
        if (timeout.aborted) {
          reject(new PrometheusQueryError('timeout', promql, `no answer within ${timeoutMs} ms from ${endpoint.origin}`, { cause }));
        } else if (signal.aborted) {
          reject(new PrometheusQueryError('aborted', promql, 'aborted by the caller', { cause }));
        } else {
          const msg = cause instanceof Error ? cause.message : String(cause);
          reject(new PrometheusQueryError('unreachable', promql, `${endpoint.origin}: ${msg}`, { cause }));
        }
      };
      const req = request(
        endpoint,
        { method: 'POST', agent, signal, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) {
              res.destroy();
              reject(new PrometheusQueryError('bad-response', promql, `answer larger than ${maxBytes} bytes`, { status: res.statusCode }));
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', fail);
        },
      );
      req.on('error', fail);
      req.end(body);
    });
    return parseInstantAnswer(promql, status, text);
  }

  return {
    url: base.toString(),
    query,
    close: () => agent.destroy(),
  };
}
