/**
 * Forks the load client processes, drives them through init → start → result, and makes
 * sure none outlives its run: every wait has a deadline, and `stop()` kills stragglers.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CallRecords, ClientCommand, ClientMessage } from './client-protocol.js';

const CLIENT_ENTRY = fileURLToPath(new URL('./load-client.ts', import.meta.url));
const REGISTER = new URL('../register.mjs', import.meta.url).href;

export interface ClientPoolOptions {
  readonly count: number;
  readonly target: string;
  readonly channelOptions: Record<string, string | number>;
  readonly backendNames: readonly string[];
  readonly backendPorts: Readonly<Record<string, number>>;
  /** JSON of an xDS bootstrap, for xds:/// targets. */
  readonly xdsBootstrap?: string;
  readonly readyTimeoutMs: number;
}

export interface ClientPool {
  /** Runs the timetable on every client; resolves with each client's records. */
  run(opts: { startAtEpochMs: number; durationMs: number; ratePerSecond: number; deadlineMs: number }): Promise<CallRecords[]>;
  stop(): Promise<void>;
}

interface Child {
  readonly id: string;
  readonly proc: ChildProcess;
  stderr: string;
}

function waitFor<T extends ClientMessage['type']>(
  child: Child,
  type: T,
  timeoutMs: number,
): Promise<Extract<ClientMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`client ${child.id}: no ${type} within ${timeoutMs} ms; stderr: ${child.stderr.slice(-800)}`));
    }, timeoutMs);
    const onMessage = (raw: unknown): void => {
      const msg = raw as ClientMessage;
      if (msg.type === type) {
        cleanup();
        resolve(msg as Extract<ClientMessage, { type: T }>);
      } else if (msg.type === 'error') {
        cleanup();
        reject(new Error(`client ${child.id}: ${msg.message}; stderr: ${child.stderr.slice(-800)}`));
      }
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`client ${child.id} exited (${code}) before ${type}; stderr: ${child.stderr.slice(-800)}`));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      child.proc.off('message', onMessage);
      child.proc.off('exit', onExit);
    };
    child.proc.on('message', onMessage);
    child.proc.once('exit', onExit);
  });
}

function sendTo(child: Child, cmd: ClientCommand): void {
  if (child.proc.connected) child.proc.send(cmd);
}

/** Forks `count` clients and waits until each one's channel is ready. */
export async function startClientPool(opts: ClientPoolOptions): Promise<ClientPool> {
  const env: NodeJS.ProcessEnv = { ...process.env, GRPC_VERBOSITY: 'ERROR' };
  if (opts.xdsBootstrap !== undefined) env.GRPC_XDS_BOOTSTRAP_CONFIG = opts.xdsBootstrap;
  const children: Child[] = [];
  const forkOne = (i: number): Child => {
    const proc = fork(CLIENT_ENTRY, [], {
      execArgv: ['--import', REGISTER],
      env,
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const child: Child = { id: `client-${i + 1}`, proc, stderr: '' };
    proc.stderr?.on('data', (d: Buffer) => {
      child.stderr = (child.stderr + d.toString('utf8')).slice(-4000);
    });
    children.push(child);
    return child;
  };
  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.proc.exitCode !== null || c.proc.signalCode !== null) {
              resolve();
              return;
            }
            const kill = setTimeout(() => c.proc.kill('SIGKILL'), 2_000);
            c.proc.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            sendTo(c, { type: 'stop' });
          }),
      ),
    );
  };
  try {
    // The first client alone, so that it fills the transpile cache the others then read.
    const first = forkOne(0);
    await waitFor(first, 'loaded', opts.readyTimeoutMs);
    for (let i = 1; i < opts.count; i += 1) forkOne(i);
    await Promise.all(children.slice(1).map((c) => waitFor(c, 'loaded', opts.readyTimeoutMs)));
    const ready = children.map((c) => waitFor(c, 'ready', opts.readyTimeoutMs));
    for (const c of children) {
      sendTo(c, {
        type: 'init',
        clientId: c.id,
        target: opts.target,
        channelOptions: opts.channelOptions,
        backendNames: opts.backendNames,
        backendPorts: opts.backendPorts,
      });
    }
    await Promise.all(ready);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    async run({ startAtEpochMs, durationMs, ratePerSecond, deadlineMs }) {
      const perClient = ratePerSecond / children.length;
      const gap = 1000 / ratePerSecond;
      // Each client runs the same rate shifted by a fraction of the gap, so that the
      // calls of all clients interleave evenly instead of arriving in bursts.
      const results = children.map((c) =>
        waitFor(c, 'result', startAtEpochMs - Date.now() + durationMs + deadlineMs + 30_000),
      );
      children.forEach((c, i) =>
        sendTo(c, {
          type: 'start',
          clientId: c.id,
          startAtEpochMs,
          offsetMs: i * gap,
          durationMs,
          ratePerSecond: perClient,
          deadlineMs,
        }),
      );
      return (await Promise.all(results)).map((r) => r.records);
    },
    stop,
  };
}
