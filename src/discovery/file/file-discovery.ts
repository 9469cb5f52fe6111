/**
 * File discovery: the endpoints file as a TopologySource. The file is watched; an edit
 * is picked up without a restart; an invalid edit (or a vanished file) is reported and
 * the last good topology is kept, so clients never lose endpoints to a typo.
 */
import { readFile } from 'node:fs/promises';
import { watch, type FSWatcher } from 'chokidar';
import { Counter, Gauge, type Registry } from 'prom-client';
import { isDeepStrictEqual } from 'node:util';
import { EMPTY_TOPOLOGY, type Topology } from '../../model/index.js';
import { ERROR_CODES, WeirError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { parseEndpointsFile } from './parse.js';

export interface FileDiscoveryOptions {
  readonly path: string;
  readonly log: Logger;
  readonly registry?: Registry;
  /** Wait this long after the last change before reading, so a burst of writes is read once (ms). */
  readonly holdOffMs?: number;
}

/** A TopologySource over an endpoints file. */
export class FileDiscovery {
  private topology: Topology = EMPTY_TOPOLOGY;
  private readonly listeners = new Set<(t: Topology) => void>();
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastErrors: readonly string[] = [];
  private readonly reloads: Counter<'result'> | undefined;
  private readonly validGauge: Gauge | undefined;

  private constructor(private readonly opts: FileDiscoveryOptions) {
    if (opts.registry) {
      this.reloads = new Counter({
        name: 'weir_endpoints_file_reloads_total',
        help: 'Reloads of the endpoints file, by result (ok, invalid, unreadable).',
        labelNames: ['result'],
        registers: [opts.registry],
      });
      this.validGauge = new Gauge({
        name: 'weir_endpoints_file_valid',
        help: '1 when the last read of the endpoints file was valid; 0 while the last good state is served.',
        registers: [opts.registry],
      });
    }
  }

  /**
   * Read the file once (an invalid or unreadable file at start-up is an error: nothing
   * good is known yet) and start watching it.
   */
  static async start(opts: FileDiscoveryOptions): Promise<FileDiscovery> {
    const d = new FileDiscovery(opts);
    const first = await d.read();
    if (!first.ok) {
      throw new WeirError(ERROR_CODES.ENDPOINTS_FILE_INVALID, `endpoints file ${opts.path} is invalid`, {
        details: first.errors,
      });
    }
    d.topology = first.topology;
    d.validGauge?.set(1);
    // awaitWriteFinish: a file is read only once its size has been stable for a moment,
    // so a writer caught between truncate and write is never read as "no services".
    d.watcher = watch(opts.path, {
      ignoreInitial: true,
      awaitWriteFinish: { stabilityThreshold: opts.holdOffMs ?? 100, pollInterval: 20 },
    });
    const onEvent = (): void => d.schedule();
    d.watcher.on('add', onEvent).on('change', onEvent).on('unlink', onEvent);
    d.watcher.on('error', (err) => opts.log.error({ err, file: opts.path }, 'endpoints file watch failed'));
    await new Promise<void>((resolve) => d.watcher!.once('ready', () => resolve()));
    return d;
  }

  current(): Topology {
    return this.topology;
  }

  synced(): boolean {
    return true;
  }

  /** Problems of the last read, empty when it was valid. */
  problems(): readonly string[] {
    return this.lastErrors;
  }

  onChange(listener: (topology: Topology) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Re-read the file now (also what the watcher does after its hold-off). */
  async reload(): Promise<void> {
    const out = await this.read();
    if (!out.ok) {
      this.lastErrors = out.errors;
      this.validGauge?.set(0);
      this.reloads?.inc({ result: out.unreadable ? 'unreadable' : 'invalid' });
      this.opts.log.error(
        { code: ERROR_CODES.ENDPOINTS_FILE_INVALID, file: this.opts.path, problems: out.errors },
        'endpoints file rejected; serving the last good state',
      );
      return;
    }
    this.lastErrors = [];
    this.validGauge?.set(1);
    this.reloads?.inc({ result: 'ok' });
    if (sameTopology(out.topology, this.topology)) return;
    this.topology = out.topology;
    this.opts.log.info({ file: this.opts.path, services: out.topology.services.size }, 'endpoints file reloaded');
    for (const l of this.listeners) l(out.topology);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    await this.watcher?.close();
    this.listeners.clear();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.reload().catch((err: unknown) => this.opts.log.error({ err }, 'endpoints file reload failed'));
    }, this.opts.holdOffMs ?? 50);
  }

  private async read(): Promise<
    { ok: true; topology: Topology } | { ok: false; errors: string[]; unreadable: boolean }
  > {
    let text: string;
    try {
      text = await readFile(this.opts.path, 'utf8');
    } catch (err) {
      return { ok: false, errors: [`cannot read ${this.opts.path}: ${(err as Error).message}`], unreadable: true };
    }
    if (text.trim() === '') {
      // An empty file is far more often a write in progress than a wish to serve nothing;
      // `services: []` says the latter explicitly.
      return { ok: false, errors: [`${this.opts.path}: file is empty (write "services: []" to serve nothing)`], unreadable: false };
    }
    const parsed = parseEndpointsFile(text);
    return parsed.valid
      ? { ok: true, topology: parsed.result }
      : { ok: false, errors: parsed.errors.map((e) => `${this.opts.path}: ${e}`), unreadable: false };
  }
}

function sameTopology(a: Topology, b: Topology): boolean {
  return isDeepStrictEqual([...a.services.entries()], [...b.services.entries()]);
}
