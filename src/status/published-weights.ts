/**
 * What followers serve: the weights the leader published in EndpointWeights statuses,
 * watched with the same supervised informer as discovery. Every replica then gives
 * every proxy the same weights, whichever replica it talks to.
 */
import { CustomObjectsApi, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { createSupervisedInformer, type BackoffOptions, type SupervisedInformer } from '../lib/kube-informer.js';
import type { Logger } from '../lib/log.js';
import type { WeightTable } from '../model/index.js';
import { EW_GROUP, EW_PLURAL, EW_VERSION, type EwStatus } from './endpoint-weights.js';

export interface PublishedWeightsOptions {
  readonly kubeConfig: KubeConfig;
  /** Namespaces to watch; all when absent or empty. */
  readonly namespaces?: readonly string[];
  /** The component's logger (the caller makes it: `root.child({ component: 'published-weights' })`). */
  readonly log: Logger;
  readonly backoff?: BackoffOptions;
}

export interface PublishedWeights {
  /** serviceId → address → served weight, from the statuses seen so far. */
  current(): WeightTable;
  /** Called with each new table. Returns an unsubscribe function. */
  onChange(cb: (weights: WeightTable) => void): () => void;
  /** True once the initial list was delivered. */
  synced(): boolean;
  stop(): Promise<void>;
}

type EwObject = KubernetesObject & { status?: Partial<EwStatus> };

/** Watch EndpointWeights and keep a WeightTable of their served weights. */
export function watchPublishedWeights(opts: PublishedWeightsOptions): PublishedWeights {
  const log = opts.log;
  const api = opts.kubeConfig.makeApiClient(CustomObjectsApi);
  let table: Map<string, ReadonlyMap<string, number>> = new Map();
  const listeners = new Set<(w: WeightTable) => void>();
  const scopes = opts.namespaces && opts.namespaces.length > 0 ? [...new Set(opts.namespaces)].sort() : [undefined];

  const set = (obj: EwObject, deleted: boolean): void => {
    const id = `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
    const next = deleted ? undefined : toWeights(obj.status);
    const before = table.get(id);
    if (sameWeights(before, next)) return;
    table = new Map(table);
    if (next) table.set(id, next);
    else table.delete(id);
    for (const cb of [...listeners]) cb(table);
  };

  const informers: SupervisedInformer[] = scopes.map((ns) =>
    createSupervisedInformer<EwObject>({
      kubeConfig: opts.kubeConfig,
      path:
        ns === undefined
          ? `/apis/${EW_GROUP}/${EW_VERSION}/${EW_PLURAL}`
          : `/apis/${EW_GROUP}/${EW_VERSION}/namespaces/${encodeURIComponent(ns)}/${EW_PLURAL}`,
      list: async () => {
        const base = { group: EW_GROUP, version: EW_VERSION, plural: EW_PLURAL };
        const out = (await (ns === undefined ? api.listClusterCustomObject(base) : api.listNamespacedCustomObject({ ...base, namespace: ns }))) as {
          items: EwObject[];
          metadata?: { resourceVersion?: string };
        };
        return { apiVersion: `${EW_GROUP}/${EW_VERSION}`, kind: 'EndpointWeightsList', items: out.items, metadata: { resourceVersion: out.metadata?.resourceVersion } };
      },
      log,
      backoff: opts.backoff,
      onAdd: (o) => set(o, false),
      onUpdate: (o) => set(o, false),
      onDelete: (o) => set(o, true),
    }),
  );
  for (const i of informers) void i.start();

  return {
    current: () => table,
    onChange: (cb) => {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    synced: () => informers.every((i) => i.listed()),
    stop: async () => {
      await Promise.all(informers.map((i) => i.stop()));
    },
  };
}

/** Served weights by address; undefined when the status has none (nothing published yet). */
function toWeights(status: Partial<EwStatus> | undefined): ReadonlyMap<string, number> | undefined {
  const eps = status?.endpoints;
  if (!Array.isArray(eps) || eps.length === 0) return undefined;
  const out = new Map<string, number>();
  for (const e of [...eps].sort((a, b) => (a.address < b.address ? -1 : 1))) {
    // Only what Envoy accepts: an integer weight ≥ 1; anything else is served as 1.
    if (typeof e.address === 'string') out.set(e.address, Number.isInteger(e.weight) && e.weight >= 1 ? e.weight : 1);
  }
  return out;
}

function sameWeights(a: ReadonlyMap<string, number> | undefined, b: ReadonlyMap<string, number> | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}
