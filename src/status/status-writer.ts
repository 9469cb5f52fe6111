/**
 * The status writer: a ReportSink (src/control/ports.ts) that keeps one EndpointWeights
 * object per opted-in Service (same name, owned by the Service, created when missing)
 * and writes Events on the Service. Writes are throttled three ways: only on a
 * meaningful change (served weights, states, mode, panic, conditions; signals alone are
 * refreshed on a slower timer), at most every `minIntervalMs` per service, and through
 * one token bucket for every request to the API server. Status is written with a merge patch carrying the
 * resourceVersion it was computed against, so it cannot clobber a newer write: on 409
 * it re-reads, and gives way if the stored status is newer than its own.
 */
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../lib/log.js';
import type { LoopReport, ReportSink } from '../control/ports.js';
import type { Decision, Service, ServiceKey, ServiceWeights } from '../model/index.js';
import {
  buildStatus,
  contentFingerprint,
  EW_API_VERSION,
  EW_GROUP,
  EW_KIND,
  EW_PLURAL,
  EW_VERSION,
  meaningfulKey,
  type EwStatus,
} from './endpoint-weights.js';
import { EventRecorder } from './event-recorder.js';
import { decisionEvents, problemEvents, summariseShifts } from './report-events.js';
import { TokenBucket } from './token-bucket.js';

export interface StatusWriterOptions {
  readonly kubeConfig: KubeConfig;
  /** The component's logger (the caller makes it: `root.child({ component: 'status' })`). */
  readonly log: Logger;
  readonly registry?: Registry;
  /** Least time between two status writes of one service, ms. Default 5,000. */
  readonly minIntervalMs?: number;
  /** Least time between writes that only refresh signals, ms. Default 60,000. */
  readonly refreshIntervalMs?: number;
  /** Global limit on requests to the API server (status, Events, their reads), per second. Default 20. */
  readonly writesPerSecond?: number;
  /** Identical Events within this window are aggregated, ms. Default 10 minutes. */
  readonly eventWindowMs?: number;
  /** This replica's name, for Events' reportingInstance. */
  readonly instance?: string;
  readonly now?: () => number;
}

export interface StatusWriter extends ReportSink {
  report(report: LoopReport): void;
  /** Resolves when no write is queued or in flight (for tests and shutdown). */
  idle(): Promise<void>;
  /** Stop writing; resolves when the writes in flight are done. */
  stop(): Promise<void>;
}

interface Entry {
  readonly id: string;
  readonly key: ServiceKey;
  uid?: string;
  /** The Service as last reported (pod names for Events). */
  service?: Service;
  /** The last tick's input for this service; the status is built from it when written. */
  latest?: { weights: ServiceWeights; service: Service; at: number };
  /** The last status built (its conditions carry their transition times on). */
  built?: EwStatus;
  written?: { meaningful: string; content: string; at: number; served: ReadonlyMap<string, number>; observedTime: string };
  /** When the content (signals) was last compared with what is written. */
  checkedAt?: number;
  rv?: string;
  /** When the last write attempt started (the per-service throttle counts from it). */
  lastAttemptAt?: number;
  timer?: NodeJS.Timeout;
  timerAt?: number;
  problemKeys: ReadonlySet<string>;
}

const MAX_CONCURRENT = 4;
const MAX_ATTEMPTS = 4;

/** Create the status writer; call `report` with each tick (leader only). */
export function createStatusWriter(opts: StatusWriterOptions): StatusWriter {
  return new Writer(opts);
}

class Writer implements StatusWriter {
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly minIntervalMs: number;
  private readonly refreshIntervalMs: number;
  private readonly api: CustomObjectsApi;
  private readonly bucket: TokenBucket;
  private readonly events: EventRecorder;
  private readonly entries = new Map<string, Entry>();
  /** serviceId → resourceVersion of the EndpointWeights found by the one list at start. */
  private readonly listed = new Map<string, string>();
  private seeding: Promise<void> | undefined;
  private readonly queue = new Map<string, () => Promise<void>>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private idleWaiters: (() => void)[] = [];
  private stopped = false;
  private readonly metrics: ReturnType<typeof createMetrics>;

  constructor(opts: StatusWriterOptions) {
    this.log = opts.log;
    this.now = opts.now ?? Date.now;
    this.minIntervalMs = opts.minIntervalMs ?? 5_000;
    this.refreshIntervalMs = Math.max(this.minIntervalMs, opts.refreshIntervalMs ?? 60_000);
    this.api = opts.kubeConfig.makeApiClient(CustomObjectsApi);
    const rate = opts.writesPerSecond ?? 20;
    this.bucket = new TokenBucket(rate, Math.max(1, rate), this.now);
    this.metrics = createMetrics(opts.registry);
    this.events = new EventRecorder({
      kubeConfig: opts.kubeConfig,
      log: this.log,
      now: this.now,
      windowMs: opts.eventWindowMs,
      instance: opts.instance,
      enqueue: (key, write) => this.enqueue(key, write),
      beforeRequest: () => this.token(),
      onWrite: (result) => this.metrics.events?.inc({ result }),
    });
  }

  report(report: LoopReport): void {
    if (this.stopped) return;
    const now = this.now();
    const decisionsOf = new Map<string, Decision[]>();
    for (const d of report.decisions) {
      const list = decisionsOf.get(d.serviceId);
      if (list) list.push(d);
      else decisionsOf.set(d.serviceId, [d]);
    }
    for (const id of [...report.services.keys()].sort()) {
      const service = report.topology.services.get(id);
      const weights = report.services.get(id)!;
      if (!service) continue;
      let entry = this.entries.get(id);
      if (!entry) this.entries.set(id, (entry = { id, key: service.key, problemKeys: new Set() }));
      if (service.uid !== entry.uid) {
        // A Service deleted and created again under the same name: a new owner, and a
        // new EndpointWeights (the old one went with the old Service) to write afresh.
        if (entry.uid !== undefined) {
          entry.written = undefined;
          entry.built = undefined;
          entry.lastAttemptAt = undefined;
          entry.checkedAt = undefined;
        }
        entry.uid = service.uid;
        entry.rv = undefined;
      }
      entry.service = service;
      entry.latest = { weights, service, at: report.at };
      this.consider(entry, now);

      const target = { ...service.key, uid: service.uid };
      const decisions = decisionsOf.get(id);
      if (decisions) for (const e of decisionEvents(decisions, service)) this.events.record(target, e);
      const notices = report.notices.get(id) ?? [];
      if (entry.problemKeys.size === 0 && service.problems.length === 0 && !service.sourceProblems?.length && notices.length === 0) continue;
      // Input problems are reported when they appear, not on every tick.
      const problems = problemEvents(id, service, notices);
      const keys = new Set(problems.map((p) => `${p.reason}\u0000${p.message}`));
      for (const p of problems) if (!entry.problemKeys.has(`${p.reason}\u0000${p.message}`)) this.events.record(target, p);
      entry.problemKeys = keys;
    }
    // Services gone from the topology (deleted or opted out): their EndpointWeights go.
    for (const [id, entry] of [...this.entries]) {
      if (report.topology.services.has(id)) continue;
      clearTimeout(entry.timer);
      this.entries.delete(id);
      this.enqueue(`status:${id}`, () => this.deleteObject(entry));
    }
    this.metrics.queue?.set(this.queue.size);
  }

  async idle(): Promise<void> {
    if (this.isIdle()) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const e of this.entries.values()) clearTimeout(e.timer);
    this.queue.clear();
    await Promise.allSettled([...this.inFlight.values()]);
    this.notifyIdle();
  }

  /**
   * Queue a write of `entry` now, or arm a timer for when its throttle allows it. Cheap
   * when nothing meaningful changed: the status itself is built only when written, or
   * once per refresh interval to see whether the signals moved.
   */
  private consider(entry: Entry, now: number): void {
    const latest = entry.latest;
    if (!latest || this.queue.has(`status:${entry.id}`)) return;
    const w = entry.written;
    if (w && w.meaningful === meaningfulKey(latest.weights, latest.service)) {
      const due = Math.max(entry.lastAttemptAt ?? 0, entry.checkedAt ?? 0) + this.refreshIntervalMs;
      if (now < due) {
        this.arm(entry, due, now);
        return;
      }
      entry.checkedAt = now;
      if (contentFingerprint(this.build(entry)) === w.content) {
        this.arm(entry, now + this.refreshIntervalMs, now);
        return;
      }
    } else if (entry.lastAttemptAt !== undefined) {
      // The throttle counts from the start of the last attempt, in flight or not.
      const due = entry.lastAttemptAt + this.minIntervalMs;
      if (now < due) {
        this.arm(entry, due, now);
        return;
      }
    }
    this.enqueue(`status:${entry.id}`, () => this.writeStatus(entry));
  }

  /** Build the status of the latest tick (conditions keep their transition times). */
  private build(entry: Entry): EwStatus {
    const { weights, service, at } = entry.latest!;
    entry.built = buildStatus(weights, service, at, entry.built?.conditions);
    return entry.built;
  }

  private arm(entry: Entry, due: number, now: number): void {
    if (this.stopped || (entry.timerAt !== undefined && entry.timerAt <= due)) return;
    clearTimeout(entry.timer);
    entry.timerAt = due;
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      entry.timerAt = undefined;
      if (this.entries.get(entry.id) === entry) this.consider(entry, this.now());
    }, due - now);
  }

  private enqueue(key: string, write: () => Promise<void>): void {
    if (this.stopped) return;
    if (!this.queue.has(key)) this.queue.set(key, write);
    this.pump();
  }

  private pump(): void {
    if (this.stopped) return;
    while (this.queue.size > 0 && this.inFlight.size < MAX_CONCURRENT) {
      const next = [...this.queue.keys()].find((k) => !this.inFlight.has(k));
      if (next === undefined) break;
      const write = this.queue.get(next)!;
      this.queue.delete(next);
      const p = write()
        .catch((err: unknown) => this.log.error({ key: next, err }, 'write failed'))
        .finally(() => {
          this.inFlight.delete(next);
          this.metrics.queue?.set(this.queue.size);
          this.pump();
          if (this.isIdle()) this.notifyIdle();
        });
      this.inFlight.set(next, p);
    }
  }

  /** Nothing queued or in flight (a throttled write waiting on its timer does not count). */
  private isIdle(): boolean {
    return this.queue.size === 0 && this.inFlight.size === 0;
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /**
   * Wait for a token of the global bucket: every request to the API server (reads
   * included) takes one, so the limit holds whatever a write needs.
   */
  private async token(): Promise<void> {
    for (;;) {
      if (this.bucket.take()) return;
      await new Promise((r) => setTimeout(r, this.bucket.waitMs()));
    }
  }

  private base(entry: Entry) {
    return { group: EW_GROUP, version: EW_VERSION, namespace: entry.key.namespace, plural: EW_PLURAL, name: entry.key.name };
  }

  private async writeStatus(entry: Entry): Promise<void> {
    if (!entry.latest || this.entries.get(entry.id) !== entry) return;
    const status = this.build(entry);
    const meaningful = meaningfulKey(entry.latest.weights, entry.latest.service);
    const startedAt = this.now();
    entry.lastAttemptAt = startedAt;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      try {
        if (entry.rv === undefined) {
          await this.seed();
          entry.rv = this.listed.get(entry.id);
          // Each listed version is used once: after that, the object's own answers count.
          this.listed.delete(entry.id);
        }
        if (entry.rv === undefined) {
          const existing = await this.ensureObject(entry);
          entry.rv = existing.metadata.resourceVersion;
        }
        await this.token();
        const res = (await this.api.patchNamespacedCustomObjectStatus(
          { ...this.base(entry), body: { metadata: { resourceVersion: entry.rv }, status } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        )) as StoredObject;
        entry.rv = res.metadata.resourceVersion;
        this.metrics.writes?.inc({ result: 'ok' });
        this.afterWrite(entry, status, meaningful, startedAt);
        return;
      } catch (err) {
        const code = codeOf(err);
        if (code === 409) {
          this.metrics.writes?.inc({ result: 'conflict' });
          const current = await this.get(entry);
          entry.rv = current?.metadata.resourceVersion;
          const theirs = current?.status?.observedTime;
          if (theirs !== undefined && theirs > status.observedTime) {
            // Someone (another replica that believes it leads) wrote a newer status: keep it.
            this.metrics.writes?.inc({ result: 'superseded' });
            this.log.info({ service: entry.id, theirs, ours: status.observedTime }, 'newer status in place; not overwritten');
            return;
          }
          continue;
        }
        if (code === 404) {
          entry.rv = undefined;
          continue;
        }
        this.metrics.writes?.inc({ result: 'error' });
        this.log.warn({ service: entry.id, code, err: String(err) }, 'status write failed; will retry');
        entry.rv = undefined;
        this.retryLater(entry);
        return;
      }
    }
    this.metrics.writes?.inc({ result: 'error' });
    this.retryLater(entry);
  }

  /** After a failure: try again once the per-service interval has passed. */
  private retryLater(entry: Entry): void {
    const now = this.now();
    this.arm(entry, now + Math.max(this.minIntervalMs, 100), now);
  }

  private afterWrite(entry: Entry, status: EwStatus, meaningful: string, at: number): void {
    const served = new Map(status.endpoints.map((e) => [e.address, e.weight]));
    if (entry.written) {
      const after = status.endpoints.map((e) => ({ address: e.address, served: e.weight, reason: e.reason }));
      const shift = summariseShifts(entry.id, entry.written.served, after, entry.service);
      if (shift) this.events.record({ ...entry.key, uid: entry.uid }, shift);
    }
    entry.written = {
      meaningful,
      content: contentFingerprint(status),
      at,
      served,
      observedTime: status.observedTime,
    };
    // A newer status may have arrived while this one was in flight.
    this.consider(entry, this.now());
  }

  /**
   * One list of all EndpointWeights before the first write, so that a restarted or newly
   * elected writer patches existing objects straight away instead of reading each one
   * (thousands of requests at start-up). Without cluster-wide list permission (a
   * namespaced install) each object is read on its first write instead.
   */
  private seed(): Promise<void> {
    this.seeding ??= (async () => {
      try {
        await this.token();
        const list = (await this.api.listClusterCustomObject({ group: EW_GROUP, version: EW_VERSION, plural: EW_PLURAL })) as {
          items?: { metadata?: { namespace?: string; name?: string; resourceVersion?: string } }[];
        };
        for (const o of list.items ?? []) {
          const rv = o.metadata?.resourceVersion;
          if (rv) this.listed.set(`${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`, rv);
        }
        this.log.info({ endpointWeights: this.listed.size }, 'listed existing EndpointWeights');
      } catch (err) {
        this.log.info({ code: codeOf(err) }, 'cannot list EndpointWeights cluster-wide; reading each on its first write');
      }
    })();
    return this.seeding;
  }

  /** The EndpointWeights object of `entry`, created (owned by the Service) when missing. */
  private async ensureObject(entry: Entry): Promise<StoredObject> {
    const current = await this.get(entry);
    if (current) return current;
    const ownerReferences = entry.uid
      ? [{ apiVersion: 'v1', kind: 'Service', name: entry.key.name, uid: entry.uid, controller: true, blockOwnerDeletion: false }]
      : [];
    if (!entry.uid) this.log.warn({ service: entry.id }, 'Service UID unknown: EndpointWeights created without an owner');
    try {
      await this.token();
      const created = (await this.api.createNamespacedCustomObject({
        group: EW_GROUP,
        version: EW_VERSION,
        namespace: entry.key.namespace,
        plural: EW_PLURAL,
        body: {
          apiVersion: EW_API_VERSION,
          kind: EW_KIND,
          metadata: {
            name: entry.key.name,
            namespace: entry.key.namespace,
            labels: { 'app.kubernetes.io/managed-by': 'weir' },
            ownerReferences,
          },
          spec: { service: entry.key.name },
        },
      })) as StoredObject;
      this.log.info({ service: entry.id }, 'EndpointWeights created');
      return created;
    } catch (err) {
      if (codeOf(err) !== 409) throw err;
      const raced = await this.get(entry);
      if (!raced) throw err;
      return raced;
    }
  }

  private async get(entry: Entry): Promise<StoredObject | undefined> {
    try {
      await this.token();
      return (await this.api.getNamespacedCustomObject(this.base(entry))) as StoredObject;
    } catch (err) {
      if (codeOf(err) === 404) return undefined;
      throw err;
    }
  }

  private async deleteObject(entry: Entry): Promise<void> {
    try {
      await this.token();
      await this.api.deleteNamespacedCustomObject(this.base(entry));
      this.log.info({ service: entry.id }, 'EndpointWeights deleted (Service gone or opted out)');
    } catch (err) {
      // Already gone: the garbage collector followed the owner reference.
      if (codeOf(err) !== 404) this.log.warn({ service: entry.id, err: String(err) }, 'EndpointWeights delete failed');
    }
  }
}

interface StoredObject {
  metadata: { resourceVersion?: string };
  status?: { observedTime?: string };
}

function codeOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

function createMetrics(registry: Registry | undefined) {
  if (!registry) return {};
  const get = <M>(name: string, make: () => M): M => (registry.getSingleMetric(name) as M | undefined) ?? make();
  return {
    writes: get(
      'weir_status_writes_total',
      () => new Counter({ name: 'weir_status_writes_total', help: 'EndpointWeights status writes, by result.', labelNames: ['result'], registers: [registry] }),
    ),
    events: get(
      'weir_status_events_total',
      () => new Counter({ name: 'weir_status_events_total', help: 'Event writes on Services, by result.', labelNames: ['result'], registers: [registry] }),
    ),
    queue: get('weir_status_queue', () => new Gauge({ name: 'weir_status_queue', help: 'Writes waiting for the rate limit.', registers: [registry] })),
  };
}
