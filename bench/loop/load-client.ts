/**
 * A load client process (forked by the harness with `serialization: 'advanced'`): one gRPC
 * channel to the target, calls sent OPEN LOOP on a fixed timetable, each latency measured
 * from the call's scheduled time (so a late send counts against the balancer, and there is
 * no coordinated omission). It reports every call: scheduled offset, latency, the backend
 * that served it and the status code.
 *
 * xDS targets (`xds:///…`) need `GRPC_XDS_BOOTSTRAP_CONFIG` in this process's environment;
 * the harness sets it when it forks.
 */
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import { loadBackendService, type BackendClient } from '../../src/demo/backend/index.js';
import type { ClientCommand, ClientMessage, CallRecords } from './client-protocol.js';

/** Extra time after the last call's deadline before giving up on stragglers, in ms. */
const STRAGGLER_GRACE_MS = 3_000;
/** Longest a client waits for its channel to become ready, in ms. */
const READY_TIMEOUT_MS = 20_000;

const epochNow = (): number => performance.timeOrigin + performance.now();

function send(msg: ClientMessage): void {
  process.send?.(msg);
}

let client: BackendClient | undefined;

async function init(cmd: Extract<ClientCommand, { type: 'init' }>): Promise<void> {
  if (cmd.target.startsWith('xds:')) {
    const xds = await import('@grpc/grpc-js-xds');
    xds.register();
  }
  const { BackendClient: Ctor } = loadBackendService();
  client = new Ctor(cmd.target, grpc.credentials.createInsecure(), cmd.channelOptions);
  const c = client;
  await new Promise<void>((resolve, reject) =>
    c.waitForReady(Date.now() + READY_TIMEOUT_MS, (err) => (err ? reject(err) : resolve())),
  );
}

function run(
  cmd: Extract<ClientCommand, { type: 'start' }>,
  backendOf: (reply: string | undefined, details: string | undefined, peer: string) => number,
): Promise<CallRecords> {
  const c = client;
  if (!c) return Promise.reject(new Error('start before init'));
  const total = Math.max(0, Math.floor((cmd.durationMs * cmd.ratePerSecond) / 1000));
  const gapMs = 1000 / cmd.ratePerSecond;
  const records: CallRecords = {
    scheduledMs: new Float64Array(total),
    latencyUs: new Float64Array(total),
    backend: new Int8Array(total).fill(-1),
    code: new Int8Array(total).fill(-1),
  };
  let next = 0;
  let done = 0;
  const due = (k: number): number => cmd.startAtEpochMs + cmd.offsetMs + k * gapMs;

  return new Promise((resolve) => {
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      resolve(records);
    };
    const fire = (k: number): void => {
      const scheduled = due(k);
      records.scheduledMs[k] = scheduled - cmd.startAtEpochMs;
      const call = c.Call(
        { client: cmd.clientId },
        new grpc.Metadata(),
        { deadline: Date.now() + cmd.deadlineMs },
        (err, reply) => {
          records.latencyUs[k] = Math.round((epochNow() - scheduled) * 1000);
          records.code[k] = err ? err.code : grpc.status.OK;
          records.backend[k] = backendOf(reply?.backend, err?.details, call.getPeer());
          done += 1;
          if (done === total && next === total) finish();
        },
      );
    };
    const pump = (): void => {
      const now = epochNow();
      // Bounded: at most `total` calls over the whole run.
      while (next < total && due(next) <= now) {
        fire(next);
        next += 1;
      }
      if (next < total) {
        setTimeout(pump, Math.max(0, Math.min(due(next) - epochNow(), 20)));
      } else if (done === total) {
        finish();
      } else {
        setTimeout(finish, cmd.deadlineMs + STRAGGLER_GRACE_MS).unref();
      }
    };
    if (total === 0) finish();
    else setTimeout(pump, Math.max(0, cmd.startAtEpochMs + cmd.offsetMs - epochNow()));
  });
}

let backendNames: readonly string[] = [];
let backendPorts: Readonly<Record<string, number>> = {};

function backendOf(reply: string | undefined, details: string | undefined, peer: string): number {
  if (reply !== undefined) {
    const i = backendNames.indexOf(reply);
    if (i >= 0) return i;
  }
  if (details !== undefined) {
    // The backend names itself in the details of its injected failures.
    const i = backendNames.findIndex((n) => details.startsWith(`${n}:`));
    if (i >= 0) return i;
  }
  const port = /:(\d+)$/.exec(peer)?.[1];
  return port !== undefined ? (backendPorts[port] ?? -1) : -1;
}

process.on('message', (raw: unknown) => {
  const cmd = raw as ClientCommand;
  if (cmd.type === 'init') {
    backendNames = cmd.backendNames;
    backendPorts = cmd.backendPorts;
    init(cmd).then(
      () => send({ type: 'ready' }),
      (err: unknown) => send({ type: 'error', message: `init: ${String(err)}` }),
    );
  } else if (cmd.type === 'start') {
    run(cmd, backendOf).then(
      (records) => send({ type: 'result', records }),
      (err: unknown) => send({ type: 'error', message: `run: ${String(err)}` }),
    );
  } else if (cmd.type === 'stop') {
    client?.close();
    process.disconnect?.();
    setTimeout(() => process.exit(0), 200).unref();
  }
});
process.on('disconnect', () => {
  client?.close();
  setTimeout(() => process.exit(0), 200).unref();
});
send({ type: 'loaded' });
