/**
 * The parent side of the demo's xDS load client: forks load-client.mjs with its xDS
 * bootstrap, and keeps a sliding window of what it reports, so the dashboard can show
 * where the traffic actually went.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, WeirError } from '../lib/errors.js';
import { silentLogger, type Logger } from '../lib/log.js';

export interface LoadOptions {
  /** `host:port` of weir's xDS server. */
  readonly xdsAddress: string;
  /** gRPC target, e.g. `xds:///echo.demo:50051`. */
  readonly target: string;
  /** Folder of the .proto files and the backend service's file within it. */
  readonly protoRoot: string;
  readonly protoFile: string;
  /** Calls per second, open loop. */
  readonly rps: number;
  /** Deadline of each call, ms. */
  readonly deadlineMs?: number;
  /** How long the traffic window of {@link LoadDriver.traffic} is, ms. */
  readonly windowMs?: number;
  readonly log?: Logger;
}

/** Where the calls of the last window went. */
export interface TrafficView {
  /** Calls per second sent over the window. */
  readonly rps: number;
  /** Answered without error / answered, 0..1 (1 when nothing answered yet). */
  readonly okRatio: number;
  /** Answered calls (ok or failed) per backend name, as a share of all answered calls. */
  readonly shares: Readonly<Record<string, number>>;
  /** Errors per backend name, as a share of that backend's answered calls. */
  readonly errorRatios: Readonly<Record<string, number>>;
}

interface CountsMessage {
  readonly type: 'counts';
  readonly at: number;
  readonly sent: number;
  readonly ok: Readonly<Record<string, number>>;
  readonly failed: Readonly<Record<string, number>>;
}

function isCounts(msg: unknown): msg is CountsMessage {
  return typeof msg === 'object' && msg !== null && (msg as { type?: unknown }).type === 'counts';
}

/**
 * Finds load-client.mjs: next to this module from src/; from a compiled copy (tsc does
 * not copy .mjs files), in the source tree's src/demo in the folders above (at most 6).
 */
export function findLoadClientScript(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'load-client.mjs')];
  for (let dir = here, i = 0; i < 6; i++, dir = path.dirname(dir)) candidates.push(path.join(dir, 'src', 'demo', 'load-client.mjs'));
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new WeirError(ERROR_CODES.MISSING_PREREQUISITE, `cannot find the demo load client (src/demo/load-client.mjs above ${here})`);
  return found;
}

/** The bootstrap of grpc-js-xds: one insecure xDS server, and the node's locality it requires. */
export function xdsBootstrap(xdsAddress: string): string {
  return JSON.stringify({
    xds_servers: [{ server_uri: xdsAddress, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: 'weir-demo-load', cluster: 'weir-demo', locality: { zone: 'local' } },
  });
}

export class LoadDriver {
  private readonly windowMs: number;
  private readonly samples: CountsMessage[] = [];
  private exited: Promise<void>;
  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly child: ChildProcess,
    options: LoadOptions,
    private readonly log: Logger,
  ) {
    this.windowMs = options.windowMs ?? 5_000;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.on('message', (msg: unknown) => {
      if (!isCounts(msg)) return;
      this.samples.push(msg);
      const cutoff = msg.at - this.windowMs;
      while (this.samples.length > 0 && this.samples[0]!.at <= cutoff) this.samples.shift();
    });
    child.on('error', (err) => this.log.warn({ err }, 'demo load client error'));
    child.once('exit', (code, signal) => {
      if (!this.stopping) this.log.warn({ code, signal }, 'demo load client exited');
    });
  }

  /** Fork the load client and start sending. */
  static start(options: LoadOptions): LoadDriver {
    const log = options.log ?? silentLogger();
    // A minimal environment: the bootstrap, and nothing that could change grpc's behaviour.
    const child = fork(findLoadClientScript(), [], {
      env: { GRPC_XDS_BOOTSTRAP_CONFIG: xdsBootstrap(options.xdsAddress) },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    child.stderr?.on('data', (chunk: Buffer) => log.debug({ stderr: chunk.toString('utf8').trim() }, 'load client'));
    const driver = new LoadDriver(child, options, log);
    child.send({
      type: 'start',
      target: options.target,
      protoRoot: options.protoRoot,
      protoFile: options.protoFile,
      rps: options.rps,
      deadlineMs: options.deadlineMs ?? 2_000,
      reportMs: 500,
    });
    return driver;
  }

  /** The child's process id (for tests that check nothing is left behind). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Where the calls of the last window went. */
  traffic(): TrafficView {
    let sent = 0;
    let okTotal = 0;
    let failedTotal = 0;
    const answered: Record<string, number> = {};
    const failed: Record<string, number> = {};
    for (const s of this.samples) {
      sent += s.sent;
      for (const [name, n] of Object.entries(s.ok)) {
        okTotal += n;
        answered[name] = (answered[name] ?? 0) + n;
      }
      for (const [name, n] of Object.entries(s.failed)) {
        failedTotal += n;
        answered[name] = (answered[name] ?? 0) + n;
        failed[name] = (failed[name] ?? 0) + n;
      }
    }
    const total = okTotal + failedTotal;
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    // Each report covers the time since the previous one; the first one's span is unknown,
    // so rps is measured over the reports after it.
    const spanMs = first && last && last.at > first.at ? last.at - first.at : 0;
    const sentAfterFirst = sent - (first?.sent ?? 0);
    const shares: Record<string, number> = {};
    const errorRatios: Record<string, number> = {};
    for (const name of Object.keys(answered).sort()) {
      shares[name] = total > 0 ? answered[name]! / total : 0;
      errorRatios[name] = answered[name]! > 0 ? (failed[name] ?? 0) / answered[name]! : 0;
    }
    return {
      rps: spanMs > 0 ? (sentAfterFirst * 1000) / spanMs : 0,
      okRatio: total > 0 ? okTotal / total : 1,
      shares,
      errorRatios,
    };
  }

  /** Stop the child: ask, then SIGKILL after `graceMs`. Idempotent. */
  stop(graceMs = 2_000): Promise<void> {
    this.stopping ??= (async () => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return;
      if (this.child.connected) this.child.send({ type: 'stop' });
      else this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    })();
    return this.stopping;
  }
}
