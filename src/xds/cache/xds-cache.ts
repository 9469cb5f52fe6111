/**
 * The versioned xDS resource cache. It implements the control loop's WeightPublisher
 * port (src/control/ports.ts): `publish(topology, weights)` (alias `update`) stores the latest input; bursts are
 * coalesced behind a hold-off window; each flush builds one ResourceSet per client kind
 * with the injected BuildResources, diffs by content hash, bumps the version of each
 * changed type and tells the watchers (the ADS server) which types changed.
 *
 * Each resource is encoded once per version by the builder; its bytes are shared by
 * every stream. The server meets the cache through `XdsCacheView` only.
 */
import type { Registry } from 'prom-client';
import { WeirError, ERROR_CODES } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import type { Topology, WeightTable } from '../../model/index.js';
import { xdsMetrics, type XdsMetrics } from '../metrics.js';
import { PUSH_ORDER, type BuildResources, type ClientKind, type ResourceSet, type TypeUrl } from '../types.js';
import { Coalescer } from './coalescer.js';
import { nextSnapshot, type KindSnapshot, type TypeDiff } from './snapshot.js';

export const CLIENT_KINDS: readonly ClientKind[] = ['envoy', 'grpc'];

/** What one flush changed for one client kind. */
export interface CacheChange {
  readonly kind: ClientKind;
  /** The new snapshot of the kind. */
  readonly snapshot: KindSnapshot;
  /** Types whose version was bumped, with what changed. */
  readonly diffs: ReadonlyMap<TypeUrl, TypeDiff>;
  /** When the versions were bumped (performance.now ms): convergence is measured from here. */
  readonly at: number;
}

/** Called once per flush with the changes of every kind that changed. Must not throw. */
export type CacheListener = (changes: readonly CacheChange[]) => void;

/** The narrow seam between the cache and the ADS server. */
export interface XdsCacheView {
  /** The current snapshot of a kind; undefined until the first flush (nothing is served before). */
  snapshot(kind: ClientKind): KindSnapshot | undefined;
  /** Be told of every flush that changed something. Returns the cancel function. */
  watch(listener: CacheListener): () => void;
}

/**
 * The cache. It satisfies the control loop's WeightPublisher port structurally (the xds
 * layer may not import control/).
 */
export interface XdsCache extends XdsCacheView {
  /** Serve `weights` for `topology` after the hold-off window. Cheap: it only stores the input. */
  publish(topology: Topology, weights: WeightTable): void;
  /** Same as `publish`: serve `weights` for `topology` after the hold-off window. */
  update(topology: Topology, weights: WeightTable): void;
  /** Flush a pending burst at once (shutdown, tests). */
  flush(): void;
  /** Stop the timer; later updates are ignored. */
  close(): void;
}

export interface XdsCacheOptions {
  readonly build: BuildResources;
  readonly log: Logger;
  readonly registry: Registry;
  /** Quiet time after the last update before pushing, in ms. Default 100. */
  readonly holdOffMs?: number;
  /** Longest an update waits for its push, in ms. Default 1000. */
  readonly maxDelayMs?: number;
}

export const DEFAULT_HOLD_OFF_MS = 100;
export const DEFAULT_MAX_DELAY_MS = 1_000;

/** Create the cache. Nothing is served until the first update has been flushed. */
export function createXdsCache(options: XdsCacheOptions): XdsCache {
  return new VersionedCache(options);
}

class VersionedCache implements XdsCache {
  private readonly build: BuildResources;
  private readonly log: Logger;
  private readonly metrics: XdsMetrics;
  private readonly coalescer: Coalescer;
  private readonly snapshots = new Map<ClientKind, KindSnapshot>();
  private readonly listeners = new Set<CacheListener>();
  /** Per kind and type, the last version number handed out. */
  private readonly counters = new Map<string, number>();
  private input: { topology: Topology; weights: WeightTable } | undefined;

  constructor(options: XdsCacheOptions) {
    this.build = options.build;
    this.log = options.log;
    this.metrics = xdsMetrics(options.registry);
    const holdOffMs = options.holdOffMs ?? DEFAULT_HOLD_OFF_MS;
    const maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    this.coalescer = new Coalescer({ holdOffMs, maxDelayMs, flush: () => this.rebuild() });
  }

  publish(topology: Topology, weights: WeightTable): void {
    this.input = { topology, weights };
    this.metrics.cacheUpdates.inc();
    this.coalescer.trigger();
  }

  update(topology: Topology, weights: WeightTable): void {
    this.publish(topology, weights);
  }

  flush(): void {
    this.coalescer.flushPending();
  }

  close(): void {
    this.coalescer.close();
    this.listeners.clear();
  }

  snapshot(kind: ClientKind): KindSnapshot | undefined {
    return this.snapshots.get(kind);
  }

  watch(listener: CacheListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private rebuild(): void {
    const input = this.input;
    if (!input) return;
    this.metrics.cacheFlushes.inc();
    // Build every kind before installing any: a builder failure keeps the previous
    // state of all kinds, so Envoy and gRPC clients never see different generations.
    const built = new Map<ClientKind, ResourceSet>();
    for (const kind of CLIENT_KINDS) {
      const result = this.buildKind(input.topology, input.weights, kind);
      if (!result) return;
      built.set(kind, result);
    }
    const at = performance.now();
    const changes: CacheChange[] = [];
    for (const kind of CLIENT_KINDS) {
      const { snapshot, diffs } = nextSnapshot(this.snapshots.get(kind), kind, built.get(kind) ?? new Map(), (type) =>
        this.nextVersion(kind, type),
      );
      this.snapshots.set(kind, snapshot);
      for (const type of PUSH_ORDER) {
        this.metrics.resources.set({ type_url: type, client_kind: kind }, snapshot.types.get(type)?.names.length ?? 0);
      }
      if (diffs.size > 0) changes.push({ kind, snapshot, diffs, at });
    }
    if (changes.length === 0) return;
    this.log.debug(
      {
        changes: changes.map((c) => ({
          kind: c.kind,
          types: [...c.diffs].map(([type, d]) => ({ type, changed: d.changed.length, removed: d.removed.length })),
        })),
      },
      'xds cache flushed',
    );
    for (const listener of [...this.listeners]) {
      try {
        listener(changes);
      } catch (err) {
        this.log.error({ err }, 'xds cache listener failed');
      }
    }
  }

  private buildKind(topology: Topology, weights: WeightTable, kind: ClientKind): ResourceSet | undefined {
    try {
      const set = this.build(topology, weights, kind);
      const problems = checkResourceSet(set);
      if (problems.length > 0) {
        throw new WeirError(ERROR_CODES.XDS_RESOURCE_INVALID, 'resource set is inconsistent', { details: problems });
      }
      return set;
    } catch (err) {
      this.metrics.buildFailures.inc();
      this.log.error({ err, kind }, 'xds resource build failed; keeping the previous resources');
      return undefined;
    }
  }

  private nextVersion(kind: ClientKind, type: TypeUrl): string {
    const key = `${kind} ${type}`;
    const n = (this.counters.get(key) ?? 0) + 1;
    this.counters.set(key, n);
    return String(n);
  }
}

/** Every resource must sit under its own type URL and name: streams rely on it. */
function checkResourceSet(set: ResourceSet): string[] {
  const problems: string[] = [];
  for (const [type, byName] of set) {
    for (const [name, res] of byName) {
      if (res.typeUrl !== type) problems.push(`${type}[${name}]: typeUrl is ${res.typeUrl}`);
      if (res.name !== name) problems.push(`${type}[${name}]: name is ${res.name}`);
      if (name === '') problems.push(`${type}: empty resource name`);
    }
  }
  return problems;
}
