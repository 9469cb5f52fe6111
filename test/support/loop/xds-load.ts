/**
 * Open-loop load through a real proxyless gRPC client (@grpc/grpc-js-xds) for the
 * end-to-end tests: calls leave on a fixed timetable whatever the answers do, and every
 * call is recorded with which backend served it, so tests can read traffic shares.
 *
 * grpc-js-xds reads its bootstrap once per process: call `useXdsBootstrap` once per test
 * file (vitest runs each file in its own process) before the first client is made.
 */
import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import { loadBackendService, type BackendClient } from '../../../src/demo/backend/index.js';

let registered = false;

/** Point this process's grpc-js-xds at an xDS server (once per process). */
export function useXdsBootstrap(xdsAddress: string): void {
  if (registered) throw new Error('grpc-js-xds bootstrap is per process: one xDS server per test file');
  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
    xds_servers: [{ server_uri: xdsAddress, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: 'weir-e2e', cluster: 'e2e', locality: { zone: 'zone-a' } },
  });
  grpcXds.register();
  registered = true;
}

export interface CallRecord {
  /** When the call was scheduled to leave, ms since the epoch. */
  readonly at: number;
  readonly backend: string | undefined;
  readonly ok: boolean;
  readonly latencyMs: number;
}

export class XdsLoad {
  readonly calls: CallRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly client: BackendClient;
  private sent = 0;
  private startedAt = 0;

  constructor(target: string, private readonly ratePerSecond: number) {
    const { BackendClient } = loadBackendService();
    this.client = new BackendClient(target, grpc.credentials.createInsecure()) as BackendClient;
  }

  /** Resolve once one call has succeeded (the client has resources and a backend). */
  async ready(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ok = await new Promise<boolean>((resolve) => {
        this.client.Call({ client: 'probe' }, new grpc.Metadata(), { deadline: Date.now() + 2000 }, (err) => resolve(!err));
      });
      if (ok) return;
      if (Date.now() > deadline) throw new Error('no call succeeded through xDS in time');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  start(): void {
    this.startedAt = Date.now();
    this.sent = 0;
    this.timer = setInterval(() => this.pump(), 5);
  }

  stop(): void {
    clearInterval(this.timer);
    this.client.close();
  }

  /** Share of calls served by each backend among calls scheduled in [from, to). */
  shares(from: number, to = Date.now()): Map<string, number> {
    const counts = new Map<string, number>();
    let total = 0;
    for (const c of this.calls) {
      if (c.at < from || c.at >= to || !c.backend) continue;
      counts.set(c.backend, (counts.get(c.backend) ?? 0) + 1);
      total++;
    }
    return new Map([...counts].map(([k, v]) => [k, v / Math.max(total, 1)]));
  }

  /** Counts of calls by backend (successes and failures) in [from, to). */
  counts(from: number, to = Date.now()): { byBackend: Map<string, number>; failed: number; total: number } {
    const byBackend = new Map<string, number>();
    let failed = 0;
    let total = 0;
    for (const c of this.calls) {
      if (c.at < from || c.at >= to) continue;
      total++;
      if (!c.ok) failed++;
      if (c.backend) byBackend.set(c.backend, (byBackend.get(c.backend) ?? 0) + 1);
    }
    return { byBackend, failed, total };
  }

  private pump(): void {
    const due = Math.floor(((Date.now() - this.startedAt) / 1000) * this.ratePerSecond);
    while (this.sent < due) {
      const at = this.startedAt + (this.sent / this.ratePerSecond) * 1000;
      this.sent++;
      this.client.Call({ client: 'e2e' }, new grpc.Metadata(), { deadline: Date.now() + 5000 }, (err, reply) => {
        // Only a reply names its backend: failed calls count as failures of unknown origin.
        this.calls.push({ at, backend: reply?.backend, ok: !err, latencyMs: Date.now() - at });
      });
    }
  }
}
