/**
 * The Prometheus client against local HTTP(S) servers that play a Prometheus-compatible
 * API behind a gateway: authentication, tenant headers, a path prefix, TLS with a CA
 * file, and the ways an answer can fail.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ERROR_CODES, isWeirError } from '../../../src/lib/errors.js';
import { PrometheusQueryError, createPrometheusClient } from '../../../src/signals/index.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  form: URLSearchParams;
}

const VECTOR = JSON.stringify({
  status: 'success',
  data: { resultType: 'vector', result: [{ metric: { pod: 'a' }, value: [1, '0.5'] }] },
});

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

function handler(seen: Seen[], answer: (res: ServerResponse) => void) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, form: new URLSearchParams(Buffer.concat(chunks).toString()) });
      answer(res);
    });
  };
}

async function rejection(p: Promise<unknown>): Promise<PrometheusQueryError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PrometheusQueryError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('createPrometheusClient', () => {
  it('POSTs the query as a form under the URL path prefix, with a bearer token and extra headers', async () => {
    const seen: Seen[] = [];
    const port = await listen(createHttpServer(handler(seen, (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(VECTOR))));
    const client = createPrometheusClient({
      url: `http://127.0.0.1:${port}/prometheus/`,
      bearerToken: 's3cret',
      headers: { 'X-Scope-OrgID': 'team-a' },
    });
    cleanups.push(() => client.close());
    const v = await client.query('sum by (pod) (up)', { time: 1_700_000_000_500 });
    expect(v.samples).toEqual([{ labels: { pod: 'a' }, value: 0.5 }]);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.method).toBe('POST');
    expect(seen[0]!.url).toBe('/prometheus/api/v1/query');
    expect(seen[0]!.headers.authorization).toBe('Bearer s3cret');
    expect(seen[0]!.headers['x-scope-orgid']).toBe('team-a');
    expect(seen[0]!.form.get('query')).toBe('sum by (pod) (up)');
    expect(seen[0]!.form.get('time')).toBe('1700000000.500');
  });

  it('sends basic auth', async () => {
    const seen: Seen[] = [];
    const port = await listen(createHttpServer(handler(seen, (res) => res.writeHead(200).end(VECTOR))));
    const client = createPrometheusClient({ url: `http://127.0.0.1:${port}`, basicAuth: { username: 'weir', password: 'p:w' } });
    cleanups.push(() => client.close());
    await client.query('up');
    expect(seen[0]!.headers.authorization).toBe(`Basic ${Buffer.from('weir:p:w').toString('base64')}`);
  });

  it('trusts a CA file for https, and refuses the server without it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weir-tls-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    ], { stdio: 'ignore' });
    const seen: Seen[] = [];
    const server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, handler(seen, (res) => res.writeHead(200).end(VECTOR)));
    const port = await listen(server);
    const trusted = createPrometheusClient({ url: `https://127.0.0.1:${port}`, caFile: cert });
    const untrusted = createPrometheusClient({ url: `https://127.0.0.1:${port}` });
    cleanups.push(() => trusted.close(), () => untrusted.close());
    expect((await trusted.query('up')).samples).toHaveLength(1);
    const err = await rejection(untrusted.query('up'));
    expect(err.reason).toBe('unreachable');
    expect(err.message).toMatch(/self-signed|certificate/i);
  });

  it('times out, naming the query', async () => {
    const port = await listen(createHttpServer(() => undefined));
    const client = createPrometheusClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 200 });
    cleanups.push(() => client.close());
    const started = Date.now();
    const err = await rejection(client.query('slow_query'));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(err.code).toBe(ERROR_CODES.PROMETHEUS_QUERY_FAILED);
    expect(err.reason).toBe('timeout');
    expect(err.query).toBe('slow_query');
  });

  it('reports an unreachable server and a caller abort apart', async () => {
    const port = await listen(createHttpServer(() => undefined));
    const closed = createPrometheusClient({ url: 'http://127.0.0.1:1' });
    const hanging = createPrometheusClient({ url: `http://127.0.0.1:${port}` });
    cleanups.push(() => closed.close(), () => hanging.close());
    expect((await rejection(closed.query('up'))).reason).toBe('unreachable');
    const controller = new AbortController();
    const pending = hanging.query('up', { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect((await rejection(pending)).reason).toBe('aborted');
  });

  it('refuses answers larger than the limit', async () => {
    const big = JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] }, pad: 'x'.repeat(10_000) });
    const port = await listen(createHttpServer(handler([], (res) => res.writeHead(200).end(big))));
    const client = createPrometheusClient({ url: `http://127.0.0.1:${port}`, maxResponseBytes: 1_000 });
    cleanups.push(() => client.close());
    expect((await rejection(client.query('up'))).reason).toBe('bad-response');
  });

  it('rejects bad options at creation', () => {
    const bad = (f: () => unknown): boolean => {
      try {
        f();
        return false;
      } catch (err) {
        return isWeirError(err, ERROR_CODES.CONFIG_INVALID);
      }
    };
    expect(bad(() => createPrometheusClient({ url: 'ftp://x' }))).toBe(true);
    expect(bad(() => createPrometheusClient({ url: 'not a url' }))).toBe(true);
    expect(bad(() => createPrometheusClient({ url: 'http://x', bearerToken: 't', basicAuth: { username: 'u', password: 'p' } }))).toBe(true);
    expect(bad(() => createPrometheusClient({ url: 'https://x', caFile: '/nonexistent/ca.pem' }))).toBe(true);
  });
});
