import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as protoLoader from '@grpc/proto-loader';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, test } from 'vitest';
import {
  loadBackendService,
  startBackend,
  type Backend,
  type BackendClient,
  type BackendOptions,
} from '../../../src/demo/backend/index.js';

const started: Backend[] = [];
const clients: grpc.Client[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(started.splice(0).map((b) => b.stop()));
});

async function backend(opts: Omit<BackendOptions, 'name'> & { name?: string }): Promise<Backend> {
  const b = await startBackend({ name: 'b1', ...opts });
  started.push(b);
  return b;
}

function client(b: Backend): BackendClient {
  const { BackendClient } = loadBackendService();
  const c = new BackendClient(b.grpcAddress, grpc.credentials.createInsecure());
  clients.push(c);
  return c;
}

interface Outcome {
  ms: number;
  code: grpc.status;
  backend?: string;
  trailers?: grpc.Metadata;
}

function call(c: BackendClient, deadlineMs = 20_000): Promise<Outcome> {
  const start = performance.now();
  return new Promise((resolve) => {
    let trailers: grpc.Metadata | undefined;
    const req = c.Call({ client: 'test' }, new grpc.Metadata(), { deadline: Date.now() + deadlineMs }, (err, reply) => {
      const ms = performance.now() - start;
      // The status (with trailers) may arrive just after the callback; give it a turn.
      setImmediate(() =>
        resolve({ ms, code: err ? err.code : grpc.status.OK, backend: reply?.backend, trailers }),
      );
    });
    req.on('status', (s: grpc.StatusObject) => {
      trailers = s.metadata;
    });
  });
}

interface OrcaReport {
  application_utilization: number;
  rps_fractional: number;
}
interface OrcaClient extends grpc.Client {
  StreamCoreMetrics(req: object): grpc.ClientReadableStream<OrcaReport>;
}

/** A client of the OpenRcaService, from the ORCA protos that ship with grpc-js. */
function orcaClient(address: string): OrcaClient {
  const protoDir = path.join(path.dirname(createRequire(import.meta.url).resolve('@grpc/grpc-js')), '../../proto');
  const def = protoLoader.loadSync('xds/service/orca/v3/orca.proto', {
    keepCase: true,
    defaults: true,
    includeDirs: [path.join(protoDir, 'xds'), path.join(protoDir, 'protoc-gen-validate')],
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    xds: { service: { orca: { v3: { OpenRcaService: grpc.ServiceClientConstructor } } } };
  };
  const c = new pkg.xds.service.orca.v3.OpenRcaService(address, grpc.credentials.createInsecure());
  clients.push(c);
  return c as unknown as OrcaClient;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

describe('demo backend', () => {
  test('answers with its name and queues beyond capacity, so latency grows with load', async () => {
    const b = await backend({ name: 'backend-7', serviceTimeMs: 20, capacity: 2 });
    const c = client(b);
    const first = await call(c);
    expect(first).toMatchObject({ code: grpc.status.OK, backend: 'backend-7' });

    const light = await Promise.all(Array.from({ length: 2 }, () => call(c)));
    const heavy = await Promise.all(Array.from({ length: 20 }, () => call(c)));
    expect(heavy.every((o) => o.code === grpc.status.OK)).toBe(true);
    // 20 calls through 2 slots of ~20 ms: the last waits ~9 service times, the mean ~5.
    expect(mean(heavy.map((o) => o.ms))).toBeGreaterThan(3 * mean(light.map((o) => o.ms)));
    expect(Math.max(...heavy.map((o) => o.ms))).toBeGreaterThan(150);
    expect(b.stats.served).toBe(23);
  });

  test('a call whose deadline passes while queued leaves the queue and the in-flight count', async () => {
    const b = await backend({ serviceTimeMs: 400, capacity: 1 });
    const c = client(b);
    await call(c);
    const outcomes = await Promise.all(Array.from({ length: 4 }, () => call(c, 150)));
    expect(outcomes.every((o) => o.code === grpc.status.DEADLINE_EXCEEDED)).toBe(true);
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && b.stats.inflight > 0) await new Promise((r) => setTimeout(r, 20));
    expect(b.stats).toMatchObject({ inflight: 0, queued: 0 });
    // Only the call in service ran to the end; the three queued ones were never served.
    expect(b.stats.served).toBe(2);
  });

  test('fails its error-rate share with UNAVAILABLE (binomial tolerance)', async () => {
    const b = await backend({ serviceTimeMs: 2, capacity: 100, errorRate: 0.3 });
    const c = client(b);
    const n = 400;
    const outcomes: Outcome[] = [];
    for (let batch = 0; batch < n / 50; batch += 1) {
      outcomes.push(...(await Promise.all(Array.from({ length: 50 }, () => call(c)))));
    }
    const failed = outcomes.filter((o) => o.code === grpc.status.UNAVAILABLE).length;
    expect(outcomes.filter((o) => o.code !== grpc.status.UNAVAILABLE && o.code !== grpc.status.OK)).toEqual([]);
    // Mean 120, standard deviation ≈ 9.2: ±5 sd.
    expect(failed).toBeGreaterThan(120 - 46);
    expect(failed).toBeLessThan(120 + 46);
    expect(b.stats.errors).toBe(failed);
    expect(b.stats.served).toBe(n - failed);
  });

  test('fail-fast errors come back within a few milliseconds, without the service time', async () => {
    const b = await backend({ serviceTimeMs: 1000, capacity: 1, errorRate: 1, failFast: true });
    const c = client(b);
    await call(c); // connects
    const times: number[] = [];
    for (let i = 0; i < 15; i += 1) {
      const o = await call(c);
      expect(o.code).toBe(grpc.status.UNAVAILABLE);
      times.push(o.ms);
    }
    // Server side, every failure left within 5 ms of arrival; client side (on a loaded
    // machine the round trip itself varies) far below the 1 s service time.
    const text = await (await fetch(b.metricsUrl)).text();
    expect(text).toMatch(/^http_server_request_duration_seconds_bucket\{le="0\.005",http_response_status_code="503"\} 16$/m);
    expect(median(times)).toBeLessThan(100);
  });

  test('set() takes effect at once, and so does POST /state; bad values are refused', async () => {
    // A fixed draw (the log-normal's 12th percentile: 289 ms at a 400 ms mean): with
    // Math.random one call in 360 came back under 200 ms.
    const b = await backend({ serviceTimeMs: 5, capacity: 4, random: () => 0.5 });
    const c = client(b);
    expect((await call(c)).ms).toBeLessThan(250);
    b.set({ serviceTimeMs: 400 });
    const slow = await call(c);
    expect(slow.ms).toBeGreaterThan(200);

    const posted = await fetch(b.controlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ serviceTimeMs: 5, errorRate: 1 }),
    });
    expect(posted.status).toBe(200);
    const after = await call(c);
    expect(after.code).toBe(grpc.status.UNAVAILABLE);
    expect(after.ms).toBeLessThan(250);
    expect(b.state()).toEqual({ serviceTimeMs: 5, capacity: 4, errorRate: 1, failFast: false });

    const bad = await fetch(b.controlUrl, { method: 'POST', body: JSON.stringify({ capacity: 0, speed: 2 }) });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { errors: string[] };
    expect(body.errors.join('\n')).toMatch(/capacity: must be an integer/);
    expect(body.errors.join('\n')).toMatch(/speed: unknown field/);
    expect(() => b.set({ errorRate: 2 })).toThrow(/invalid update/);
    const got = (await (await fetch(b.controlUrl)).json()) as { state: { errorRate: number } };
    expect(got.state.errorRate).toBe(1);
  });

  test('exposes the duration histogram with status labels and the in-flight and capacity gauges', async () => {
    const b = await backend({ serviceTimeMs: 2, capacity: 3 });
    const c = client(b);
    await call(c);
    b.set({ errorRate: 1 });
    await call(c);
    const text = await (await fetch(b.metricsUrl)).text();
    expect(text).toMatch(/^# TYPE http_server_request_duration_seconds histogram$/m);
    expect(text).toMatch(/^http_server_request_duration_seconds_bucket\{le="0\.001",http_response_status_code="200"\} \d+$/m);
    expect(text).toMatch(/^http_server_request_duration_seconds_bucket\{le="5",http_response_status_code="200"\} 1$/m);
    expect(text).toMatch(/^http_server_request_duration_seconds_count\{http_response_status_code="200"\} 1$/m);
    expect(text).toMatch(/^http_server_request_duration_seconds_count\{http_response_status_code="503"\} 1$/m);
    expect(text).toMatch(/^http_server_active_requests 0$/m);
    expect(text).toMatch(/^weir_demo_capacity 3$/m);
    expect(text).not.toMatch(/pod=|namespace=/);
  });

  test('counts busy time as the service time of served calls over the capacity (a CPU over its limit), fast failures none', async () => {
    const b = await backend({ serviceTimeMs: 40, capacity: 2 });
    const c = client(b);
    for (let i = 0; i < 4; i++) await call(c);
    b.set({ errorRate: 1, failFast: true });
    await call(c);
    const text = await (await fetch(b.metricsUrl)).text();
    const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
    const busy = value(/^weir_demo_busy_seconds_total (\S+)$/m);
    const served = value(/^http_server_request_duration_seconds_sum\{http_response_status_code="200"\} (\S+)$/m);
    // One call at a time, so a call's duration is its service time (plus the server's own
    // handling, less a timer that fires a fraction of a millisecond early); each used one
    // of the two slots.
    expect(busy).toBeGreaterThan(0);
    expect(busy).toBeLessThanOrEqual((1.03 * served) / 2);
    expect(busy).toBeGreaterThan((0.8 * served) / 2);
  });

  test('with orca, serves out-of-band ORCA reports whose utilisation follows in-flight / capacity', async () => {
    const b = await backend({ serviceTimeMs: 1000, capacity: 2, orca: true });
    const c = client(b);
    const orca = orcaClient(b.grpcAddress);
    const reports: OrcaReport[] = [];
    const stream = orca.StreamCoreMetrics({ report_interval: { seconds: 0, nanos: 100_000_000 } });
    stream.on('data', (r: OrcaReport) => reports.push(r));
    stream.on('error', () => undefined);
    // Six calls on two slots of ~1 s: utilisation (queued calls included) 3, then 2, then 1;
    // the report is the mean over the last second.
    const calls = Array.from({ length: 6 }, () => call(c));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !reports.some((r) => r.application_utilization > 1.2)) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await Promise.all(calls);
    stream.cancel();
    expect(Math.max(...reports.map((r) => r.application_utilization))).toBeGreaterThan(1.2);
    // No per-call reports unless asked for (grpc-js 1.14.7 makes them costly).
    expect((await call(c)).trailers?.get('endpoint-load-metrics-bin').length ?? 0).toBe(0);
  });
});
