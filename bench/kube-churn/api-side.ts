/**
 * The API-server side of the churn bench: the test API server seeded with opted-in
 * Services and their EndpointSlices, and a churn generator that replaces one pod
 * (one endpoint address) of a random Service at a fixed rate. Runs in-process (the
 * smoke test) or in a child process (the bench, so that weir's CPU and RSS are its own).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { applyObject, ENDPOINT_SLICES, serviceObject, sliceObject, TestApiServer } from '../../test/support/kube-api/index.js';

/** One change made: endpoint `address` appeared in Service `serviceId` at `at` (epoch ms, sub-ms). */
export interface ChangeRecord {
  readonly serviceId: string;
  readonly address: string;
  readonly at: number;
}

export interface ApiSideStats {
  /** Status PATCHes answered 200, per second of the churn window. */
  readonly statusWritesPerSecond: number[];
  /** All requests from the status writer (EndpointWeights + Events) per second. */
  readonly writerRequestsPerSecond: number[];
  readonly changes: number;
  readonly cpuSeconds: number;
}

export interface ApiSide {
  readonly url: string;
  /** Run the churn; `onChange` is called for each change as it is made. */
  churn(ratePerSecond: number, durationS: number, onChange: (c: ChangeRecord) => void): Promise<ApiSideStats>;
  close(): Promise<void>;
}

export const wallNow = (): number => performance.timeOrigin + performance.now();

/** Deterministic PRNG (mulberry32): the same seed makes the same churn. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ip = (n: number): string => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;

/** Start the test API server with `services` × `endpoints` in-process. */
export async function startInProcessApiSide(services: number, endpoints: number): Promise<ApiSide> {
  const server = await TestApiServer.start({ historyLimit: 50_000, bookmarkIntervalMs: 5_000 });
  let next = 1;
  const addresses: string[][] = [];
  for (let s = 0; s < services; s++) {
    const name = `svc-${s}`;
    applyObject(server, serviceObject({ name, namespace: 'bench' }));
    const eps = Array.from({ length: endpoints }, () => ip(next++));
    addresses.push(eps);
    applyObject(server, sliceObject({ service: name, namespace: 'bench', name: `${name}-1`, endpoints: eps }));
  }
  return {
    url: server.baseUrl,
    churn: async (rate, durationS, onChange) => {
      const random = prng(42);
      const startedAt = Date.now();
      const cpu0 = process.cpuUsage();
      const firstRequest = server.requests.length;
      let made = 0;
      const total = Math.round(rate * durationS);
      while (made < total) {
        // Open loop: change k is due at k / rate seconds, whatever happened before.
        const due = startedAt + (made * 1000) / rate;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const s = Math.floor(random() * services);
        const i = Math.floor(random() * endpoints);
        const address = ip(next++);
        addresses[s]![i] = address;
        const name = `svc-${s}`;
        const slice = sliceObject({ service: name, namespace: 'bench', name: `${name}-1`, endpoints: addresses[s]! });
        const current = server.store.get(ENDPOINT_SLICES, 'bench', `${name}-1`);
        server.store.update(ENDPOINT_SLICES, 'bench', `${name}-1`, { ...slice, metadata: { ...current.metadata, resourceVersion: undefined } });
        onChange({ serviceId: `bench/${name}`, address, at: wallNow() });
        made++;
      }
      const cpu = process.cpuUsage(cpu0);
      const seconds = Math.ceil((Date.now() - startedAt) / 1000);
      const statusWritesPerSecond = new Array<number>(seconds).fill(0);
      const writerRequestsPerSecond = new Array<number>(seconds).fill(0);
      for (const r of server.requests.slice(firstRequest)) {
        const sec = Math.floor((r.at - startedAt) / 1000);
        if (sec < 0 || sec >= seconds) continue;
        if (r.resource === 'endpointweights' || r.resource === 'events') writerRequestsPerSecond[sec]!++;
        if (r.resource === 'endpointweights' && r.subresource === 'status' && r.method === 'PATCH' && r.status === 200) statusWritesPerSecond[sec]!++;
      }
      return { statusWritesPerSecond, writerRequestsPerSecond, changes: made, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
    },
    close: () => server.close(),
  };
}

type ToChild = { type: 'churn'; rate: number; durationS: number } | { type: 'close' };
type FromChild = { type: 'ready'; url: string } | { type: 'change'; change: ChangeRecord } | { type: 'done'; stats: ApiSideStats };

/** Start the API side in a child process (this file, compiled, is its entry point). */
export async function startChildApiSide(entry: string, services: number, endpoints: number): Promise<ApiSide> {
  const child: ChildProcess = fork(entry, ['--api-side', String(services), String(endpoints)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`API side exited with ${code}`)));
    child.on('message', (m: FromChild) => {
      if (m.type === 'ready') resolve(m.url);
    });
  });
  return {
    url,
    churn: (rate, durationS, onChange) =>
      new Promise((resolve) => {
        child.on('message', (m: FromChild) => {
          if (m.type === 'change') onChange(m.change);
          if (m.type === 'done') resolve(m.stats);
        });
        child.send({ type: 'churn', rate, durationS } satisfies ToChild);
      }),
    close: async () => {
      child.removeAllListeners('exit');
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ type: 'close' } satisfies ToChild);
      await exited;
    },
  };
}

/** The child's main: serve, churn on request, report back. */
export async function apiSideMain(services: number, endpoints: number): Promise<void> {
  const side = await startInProcessApiSide(services, endpoints);
  const send = (m: FromChild): void => void process.send!(m);
  process.on('message', (m: ToChild) => {
    if (m.type === 'churn') {
      void side.churn(m.rate, m.durationS, (change) => send({ type: 'change', change })).then((stats) => send({ type: 'done', stats }));
    } else {
      void side.close().then(() => process.exit(0));
    }
  });
  send({ type: 'ready', url: side.url });
}
