/**
 * Kubernetes discovery: informers on Services and EndpointSlices (all namespaces or a
 * configured set) feed a level-triggered rebuild of the Topology. Handlers only mark a
 * service key dirty; after a hold-off (bursts coalesce into one rebuild) the dirty
 * services are rebuilt from the caches, and a new Topology is emitted only when some
 * service really changed (no-op updates are dropped).
 */
import {
  CoreV1Api,
  DiscoveryV1Api,
  type KubeConfig,
  type KubernetesObject,
  type V1EndpointSlice,
  type V1Service,
} from '@kubernetes/client-node';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Logger } from '../../lib/log.js';
import { EMPTY_TOPOLOGY, serviceId, type Service, type Topology } from '../../model/index.js';
import { SERVICE_NAME_LABEL, toService } from './convert.js';
import { createSupervisedInformer, type BackoffOptions, type SupervisedInformer } from '../../lib/kube-informer.js';

export interface KubeDiscoveryOptions {
  readonly kubeConfig: KubeConfig;
  /** Namespaces to watch; all namespaces when absent or empty. */
  readonly namespaces?: readonly string[];
  /** The component's logger (the caller makes it: `root.child({ component: 'kube-discovery' })`). */
  readonly log: Logger;
  readonly registry?: Registry;
  /** How long changes are gathered before a new Topology is built, ms. Default 100. */
  readonly holdOffMs?: number;
  /** Restart backoff after a list/watch failure. */
  readonly backoff?: BackoffOptions;
  /** Server-side watch timeout, s. Default 300. */
  readonly watchTimeoutSeconds?: number;
}

/** A TopologySource (src/control/ports.ts) fed by the Kubernetes API. */
export interface KubeDiscovery {
  current(): Topology;
  onChange(listener: (topology: Topology) => void): () => void;
  /** True once the initial list of both Services and EndpointSlices was delivered. */
  synced(): boolean;
  /** Stop the informers and timers; no more changes are emitted. */
  stop(): Promise<void>;
}

/** Start watching; resolves once the informers were started (not necessarily synced). */
export async function startKubeDiscovery(opts: KubeDiscoveryOptions): Promise<KubeDiscovery> {
  const d = new Discovery(opts);
  await d.start();
  return d;
}

const key = (o: KubernetesObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

class Discovery implements KubeDiscovery {
  private readonly log: Logger;
  private readonly holdOffMs: number;
  private readonly services = new Map<string, V1Service>();
  /** serviceId → slice key → slice. */
  private readonly slicesByService = new Map<string, Map<string, V1EndpointSlice>>();
  /** slice key → the serviceId it is indexed under (a slice's label may change). */
  private readonly sliceOwner = new Map<string, string>();
  private readonly built = new Map<string, { service: Service; fingerprint: string }>();
  private readonly dirty = new Set<string>();
  /** When the oldest pending change arrived (for the latency histogram). */
  private dirtySince = 0;
  private topology: Topology = EMPTY_TOPOLOGY;
  private readonly listeners = new Set<(t: Topology) => void>();
  private readonly informers: SupervisedInformer[] = [];
  private timer: NodeJS.Timeout | undefined;
  private isSynced = false;
  private stopped = false;
  private readonly metrics: ReturnType<typeof createMetrics>;

  constructor(private readonly opts: KubeDiscoveryOptions) {
    this.log = opts.log;
    this.holdOffMs = opts.holdOffMs ?? 100;
    this.metrics = createMetrics(opts.registry);
    const core = opts.kubeConfig.makeApiClient(CoreV1Api);
    const disco = opts.kubeConfig.makeApiClient(DiscoveryV1Api);
    const scopes: (string | undefined)[] = opts.namespaces && opts.namespaces.length > 0 ? [...new Set(opts.namespaces)].sort() : [undefined];
    for (const ns of scopes) {
      this.informers.push(
        this.informer<V1Service>(
          'services',
          ns === undefined ? '/api/v1/services' : `/api/v1/namespaces/${encodeURIComponent(ns)}/services`,
          () => (ns === undefined ? core.listServiceForAllNamespaces() : core.listNamespacedService({ namespace: ns })),
          (s) => this.onService(s, false),
          (s) => this.onService(s, true),
        ),
        this.informer<V1EndpointSlice>(
          'endpointslices',
          ns === undefined
            ? '/apis/discovery.k8s.io/v1/endpointslices'
            : `/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(ns)}/endpointslices`,
          () => (ns === undefined ? disco.listEndpointSliceForAllNamespaces() : disco.listNamespacedEndpointSlice({ namespace: ns })),
          (s) => this.onSlice(s, false),
          (s) => this.onSlice(s, true),
        ),
      );
    }
  }

  async start(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.start()));
  }

  current(): Topology {
    return this.topology;
  }

  onChange(listener: (topology: Topology) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  synced(): boolean {
    return this.isSynced;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  private informer<T extends KubernetesObject>(
    resource: string,
    path: string,
    list: () => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>,
    upsert: (o: T) => void,
    remove: (o: T) => void,
  ): SupervisedInformer {
    return createSupervisedInformer<T>({
      kubeConfig: this.opts.kubeConfig,
      path,
      list: async () => {
        const out = await list();
        return { apiVersion: '', kind: '', items: out.items, metadata: { resourceVersion: out.metadata?.resourceVersion } };
      },
      log: this.log,
      backoff: this.opts.backoff,
      watchTimeoutSeconds: this.opts.watchTimeoutSeconds,
      onAdd: upsert,
      onUpdate: upsert,
      onDelete: remove,
      onListed: () => this.checkSynced(),
      onRestart: () => this.metrics.restarts?.inc({ resource }),
    });
  }

  private onService(svc: V1Service, deleted: boolean): void {
    const k = key(svc);
    if (deleted) this.services.delete(k);
    else this.services.set(k, svc);
    this.markDirty(k);
  }

  private onSlice(slice: V1EndpointSlice, deleted: boolean): void {
    const k = key(slice);
    const previous = this.sliceOwner.get(k);
    if (previous !== undefined) {
      this.slicesByService.get(previous)?.delete(k);
      if (this.slicesByService.get(previous)?.size === 0) this.slicesByService.delete(previous);
      this.sliceOwner.delete(k);
      this.markDirty(previous);
    }
    const svcName = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    // A slice without the label belongs to no Service (a custom controller's): not ours.
    if (deleted || !svcName) return;
    const owner = `${slice.metadata?.namespace ?? ''}/${svcName}`;
    let slices = this.slicesByService.get(owner);
    if (!slices) this.slicesByService.set(owner, (slices = new Map()));
    slices.set(k, slice);
    this.sliceOwner.set(k, owner);
    this.markDirty(owner);
  }

  private markDirty(id: string): void {
    if (this.dirty.size === 0) this.dirtySince = performance.now();
    this.dirty.add(id);
    if (this.isSynced && this.timer === undefined && !this.stopped) {
      this.timer = setTimeout(() => this.flush(), this.holdOffMs);
    }
  }

  private checkSynced(): void {
    if (this.isSynced || !this.informers.every((i) => i.listed())) return;
    this.isSynced = true;
    this.log.info({ services: this.services.size }, 'initial list done');
    this.flush();
  }

  /** Rebuild the dirty services from the caches; emit a Topology if anything changed. */
  private flush(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const ids = [...this.dirty].sort();
    const startedAt = this.dirtySince;
    this.dirty.clear();
    let changed = false;
    for (const id of ids) {
      const svc = this.services.get(id);
      const next = svc ? toService(svc, [...(this.slicesByService.get(id)?.values() ?? [])]) : undefined;
      const before = this.built.get(id);
      if (!next) {
        if (before) {
          this.built.delete(id);
          changed = true;
          this.log.info({ service: id }, 'service removed (deleted or opted out)');
        }
        continue;
      }
      const fingerprint = JSON.stringify(next);
      if (before?.fingerprint === fingerprint) continue;
      this.built.set(id, { service: next, fingerprint });
      changed = true;
      this.reportProblems(id, before?.service, next);
    }
    if (!changed && this.topology !== EMPTY_TOPOLOGY) return;
    const services = new Map<string, Service>();
    for (const id of [...this.built.keys()].sort()) services.set(id, this.built.get(id)!.service);
    this.topology = Object.freeze({ services });
    this.metrics.services?.set(services.size);
    this.metrics.latency?.observe((performance.now() - startedAt) / 1000);
    for (const l of [...this.listeners]) {
      try {
        l(this.topology);
      } catch (err) {
        this.log.error({ err }, 'topology listener failed');
      }
    }
  }

  private reportProblems(id: string, before: Service | undefined, next: Service): void {
    const old = new Set((before?.sourceProblems ?? []).map((p) => `${p.object}: ${p.reason}`));
    for (const p of next.sourceProblems ?? []) {
      if (old.has(`${p.object}: ${p.reason}`)) continue;
      this.metrics.problems?.inc({ kind: 'endpoints' });
      this.log.warn({ service: serviceId(next.key), object: p.object, reason: p.reason }, 'skipped bad input');
    }
    const oldA = new Set((before?.problems ?? []).map((p) => `${p.annotation}=${p.value}`));
    for (const p of next.problems) {
      if (oldA.has(`${p.annotation}=${p.value}`)) continue;
      this.metrics.problems?.inc({ kind: 'annotation' });
      this.log.warn({ service: id, annotation: p.annotation, value: p.value, reason: p.reason }, 'invalid annotation');
    }
  }
}

function createMetrics(registry: Registry | undefined) {
  if (!registry) return {};
  const get = <M>(name: string, make: () => M): M => (registry.getSingleMetric(name) as M | undefined) ?? make();
  return {
    restarts: get(
      'weir_kube_watch_restarts_total',
      () => new Counter({ name: 'weir_kube_watch_restarts_total', help: 'List/watch restarts after an error, by resource.', labelNames: ['resource'], registers: [registry] }),
    ),
    problems: get(
      'weir_kube_discovery_problems_total',
      () => new Counter({ name: 'weir_kube_discovery_problems_total', help: 'Bad input found in Services and EndpointSlices (skipped), by kind.', labelNames: ['kind'], registers: [registry] }),
    ),
    services: get(
      'weir_kube_discovery_services',
      () => new Gauge({ name: 'weir_kube_discovery_services', help: 'Opted-in Services in the topology.', registers: [registry] }),
    ),
    latency: get(
      'weir_kube_discovery_rebuild_latency_seconds',
      () =>
        new Histogram({
          name: 'weir_kube_discovery_rebuild_latency_seconds',
          help: 'From the first change of a burst to the new Topology (includes the hold-off).',
          buckets: [0.01, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
          registers: [registry],
        }),
    ),
  };
}
