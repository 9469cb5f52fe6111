/**
 * Runs a real Prometheus (Debian's `prometheus` package) on loopback for the demo, the
 * integration tests and the benchmark: a free port, a temporary storage directory, a
 * generated config whose targets live in a file_sd file (so they change without a
 * restart), and clean-up on stop, on process exit, and by an orphan guard when this
 * process is killed outright (orphan-guard.ts).
 *
 * Prometheus needs a few scrapes before `rate()` has two points in its window (about
 * 7 s with 1 s scrapes and a 5-10 s window): wait with {@link PrometheusProcess.waitForData},
 * not for `/-/ready`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { ERROR_CODES, WeirError } from '../lib/errors.js';
import { silentLogger, type Logger } from '../lib/log.js';
import { guardAgainstOrphan, type OrphanGuard } from './orphan-guard.js';
import { createPrometheusClient, type InstantVector, type PrometheusClient } from '../signals/index.js';

/** The command that installs Prometheus on Debian and Ubuntu. */
export const PROMETHEUS_INSTALL_COMMAND = 'apt-get install -y prometheus';
const CANDIDATES = ['/usr/bin/prometheus', '/usr/local/bin/prometheus'];

/** One thing to scrape: `host:port` (path /metrics) or a full URL, with target labels. */
export interface ScrapeTarget {
  readonly address: string;
  /** Target labels attached to every series, e.g. `{ namespace, service, pod }`. */
  readonly labels?: Readonly<Record<string, string>>;
}

export interface StartPrometheusOptions {
  readonly scrapeTargets?: readonly ScrapeTarget[];
  /** Scrape (and evaluation) interval in ms; default 1000. */
  readonly scrapeIntervalMs?: number;
  /** Where the temporary directory is created; the OS temp dir by default. */
  readonly dataDir?: string;
  /** The Prometheus executable; found in /usr/bin, /usr/local/bin or PATH when absent. */
  readonly binary?: string;
  /** How long to wait for `/-/ready`, in ms; default 30 000. */
  readonly readyTimeoutMs?: number;
  readonly log?: Logger;
}

export interface WaitForDataOptions {
  /** Give up after this many ms (default 30 000). */
  readonly timeoutMs?: number;
  /** The condition to wait for; default: at least one sample with a finite value. */
  readonly until?: (vector: InstantVector) => boolean;
}

/** A running Prometheus. */
export interface PrometheusProcess {
  /** Base URL, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** The temporary directory (config, targets, storage), removed by `stop`. */
  readonly dir: string;
  /** A query client for this Prometheus (closed by `stop`). */
  readonly client: PrometheusClient;
  /** Replace the scrape targets; Prometheus picks the change up within a second or two. */
  setTargets(targets: readonly ScrapeTarget[]): void;
  /** Poll `query` until `until` holds; resolves with that answer, rejects on timeout. */
  waitForData(query: string, options?: WaitForDataOptions): Promise<InstantVector>;
  /** Stop Prometheus (SIGTERM, then SIGKILL after 5 s) and remove its directory. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Processes to kill if our process exits without stopping them: at exit by the hook,
 * and by their orphan guard when we die without running it (SIGKILL).
 */
const live = new Map<ChildProcess, { dir: string; guard: OrphanGuard | undefined }>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const [child, { dir, guard }] of live) {
      guard?.release();
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/**
 * Start Prometheus. Throws WeirError MISSING_PREREQUISITE (with the install command)
 * when the executable is missing, LISTEN_FAILED when it does not become ready.
 */
export async function startPrometheus(options: StartPrometheusOptions = {}): Promise<PrometheusProcess> {
  const log = options.log ?? silentLogger();
  const binary = options.binary ?? CANDIDATES.find((c) => existsSync(c)) ?? 'prometheus';
  const intervalMs = options.scrapeIntervalMs ?? 1000;
  const dir = mkdtempSync(join(options.dataDir ?? tmpdir(), 'weir-prometheus-'));
  const targetsFile = join(dir, 'targets.json');
  writeTargets(targetsFile, options.scrapeTargets ?? []);
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, renderConfig(intervalMs, targetsFile));

  // Prometheus cannot listen on port 0 and tell us the port: pick a free one, and try
  // again if another process took it in between.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await launch({ binary, dir, configFile, targetsFile, port, log, readyTimeoutMs: options.readyTimeoutMs ?? 30_000 });
    } catch (err) {
      lastError = err;
      if (err instanceof WeirError && err.code === ERROR_CODES.MISSING_PREREQUISITE) break;
      log.warn({ port, err: err instanceof Error ? err.message : String(err) }, 'Prometheus did not start; retrying');
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}

async function launch(p: {
  binary: string;
  dir: string;
  configFile: string;
  targetsFile: string;
  port: number;
  log: Logger;
  readyTimeoutMs: number;
}): Promise<PrometheusProcess> {
  const url = `http://127.0.0.1:${p.port}`;
  const child = spawn(
    p.binary,
    [
      `--config.file=${p.configFile}`,
      `--storage.tsdb.path=${join(p.dir, `data-${p.port}`)}`,
      `--web.listen-address=127.0.0.1:${p.port}`,
      '--storage.tsdb.retention.time=2h',
      '--web.enable-lifecycle',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const stderr: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) {
      if (!line) continue;
      stderr.push(line);
      if (stderr.length > 40) stderr.shift();
      p.log.debug({ prometheus: line }, 'prometheus');
    }
  });
  const guard = child.pid === undefined ? undefined : guardAgainstOrphan(child.pid, p.dir);
  let exited: { code: number | null; signal: string | null } | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      guard?.release();
      live.delete(child);
      resolve();
    });
  });
  let spawnError: NodeJS.ErrnoException | undefined;
  child.once('error', (err) => {
    spawnError = err;
    guard?.release();
    live.delete(child);
  });
  installExitHook();
  live.set(child, { dir: p.dir, guard });

  const kill = async (): Promise<void> => {
    if (exited) return;
    // Disarmed first: once Prometheus is gone its pid may be reused.
    guard?.release();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exit;
    clearTimeout(timer);
  };

  const deadline = Date.now() + p.readyTimeoutMs;
  for (;;) {
    if (spawnError) {
      throw new WeirError(
        spawnError.code === 'ENOENT' ? ERROR_CODES.MISSING_PREREQUISITE : ERROR_CODES.LISTEN_FAILED,
        spawnError.code === 'ENOENT'
          ? `Prometheus is not installed (${p.binary} not found): install it with \`${PROMETHEUS_INSTALL_COMMAND}\``
          : `cannot run ${p.binary}: ${spawnError.message}`,
        { cause: spawnError },
      );
    }
    if (exited) {
      throw new WeirError(ERROR_CODES.LISTEN_FAILED, `Prometheus exited (${exited.code ?? exited.signal}) before it was ready`, {
        details: stderr.slice(-10),
      });
    }
    if (await isReady(url)) break;
    if (Date.now() > deadline) {
      await kill();
      throw new WeirError(ERROR_CODES.LISTEN_FAILED, `Prometheus was not ready within ${p.readyTimeoutMs} ms at ${url}`, {
        details: stderr.slice(-10),
      });
    }
    await sleep(100);
  }
  p.log.info({ url, pid: child.pid }, 'Prometheus started');

  const client = createPrometheusClient({ url, timeoutMs: 5_000 });
  let stopped: Promise<void> | undefined;
  return {
    url,
    dir: p.dir,
    client,
    setTargets: (targets) => writeTargets(p.targetsFile, targets),
    waitForData: (query, opts = {}) => waitForData(client, query, opts),
    stop() {
      stopped ??= (async () => {
        client.close();
        await kill();
        rmSync(p.dir, { recursive: true, force: true });
        p.log.info({ url }, 'Prometheus stopped');
      })();
      return stopped;
    },
  };
}

async function waitForData(client: PrometheusClient, query: string, opts: WaitForDataOptions): Promise<InstantVector> {
  const until = opts.until ?? ((v: InstantVector) => v.samples.some((s) => Number.isFinite(s.value)));
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let last: string = 'no answer yet';
  for (;;) {
    try {
      const v = await client.query(query);
      if (until(v)) return v;
      last = `${v.samples.length} series: ${JSON.stringify(v.samples.slice(0, 5).map((s) => [s.labels, s.value]))}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) throw new Error(`no data for ${query} within ${timeoutMs} ms; last: ${last}`);
    await sleep(250);
  }
}

function renderConfig(intervalMs: number, targetsFile: string): string {
  const interval = `${intervalMs}ms`;
  return stringify({
    global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
    scrape_configs: [
      {
        job_name: 'weir',
        // file_sd_configs is watched (inotify) and re-read every few seconds as a fallback.
        file_sd_configs: [{ files: [targetsFile], refresh_interval: '5s' }],
      },
    ],
  });
}

/** Write the file_sd targets atomically (write, then rename) so Prometheus never reads half a file. */
function writeTargets(file: string, targets: readonly ScrapeTarget[]): void {
  const groups = targets.map((t) => {
    const labels: Record<string, string> = { ...t.labels };
    let address = t.address;
    if (/^https?:\/\//.test(address)) {
      const u = new URL(address);
      address = u.host;
      labels.__scheme__ = u.protocol.slice(0, -1);
      labels.__metrics_path__ = u.pathname || '/metrics';
    }
    return { targets: [address], labels };
  });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(groups, null, 2));
  renameSync(tmp, file);
}

async function isReady(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
