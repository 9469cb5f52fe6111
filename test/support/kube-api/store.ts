/**
 * The object store of the test API server: objects per resource, one global,
 * monotonic resourceVersion counter, a bounded history of watch events (a watch from a
 * version older than the history gets 410 Gone), owner-reference garbage collection
 * and the status-subresource split. No HTTP here: the server and the tests share it.
 */
import { randomUUID } from 'node:crypto';
import { apiVersionOf, resourceId, type ResourceInfo } from './resources.js';

/** A Kubernetes object as JSON. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name?: string;
    generateName?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  readonly rv: number;
  readonly resource: string;
  readonly type: WatchEventType;
  readonly object: KubeObject;
  /** The object before a MODIFIED (label selectors need it to send ADDED/DELETED). */
  readonly previous?: KubeObject;
}

/** An API error: the server answers with a Status of this code and reason. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export type StoreListener = (event: StoredEvent) => void;

const clone = <T>(v: T): T => structuredClone(v);

export class ObjectStore {
  private rv = 0;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private history: StoredEvent[] = [];
  /** Watches from a version below this get 410 Gone. */
  private oldestValidRv = 0;
  private readonly listeners = new Set<StoreListener>();

  constructor(
    readonly resources: readonly ResourceInfo[],
    /** How many events the history keeps (the real server keeps a few minutes' worth). */
    private readonly historyLimit = 10_000,
  ) {
    for (const r of resources) this.objects.set(resourceId(r), new Map());
  }

  /** The current resourceVersion (the last one assigned). */
  currentRv(): number {
    return this.rv;
  }

  oldestRv(): number {
    return this.oldestValidRv;
  }

  /** Forget all history: every watch from an older version will get 410 Gone. */
  compact(): void {
    this.history = [];
    this.oldestValidRv = this.rv;
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events after `rv` for a resource, or undefined when they are gone (410). */
  eventsSince(rv: number, resource: ResourceInfo): StoredEvent[] | undefined {
    if (rv < this.oldestValidRv) return undefined;
    const id = resourceId(resource);
    return this.history.filter((e) => e.rv > rv && e.resource === id);
  }

  list(resource: ResourceInfo, namespace?: string): KubeObject[] {
    const all = [...this.bucket(resource).values()];
    const items = namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
    return items
      .sort((a, b) => key(a.metadata.namespace, a.metadata.name).localeCompare(key(b.metadata.namespace, b.metadata.name)))
      .map(clone);
  }

  get(resource: ResourceInfo, namespace: string | undefined, name: string): KubeObject {
    const obj = this.bucket(resource).get(key(namespace, name));
    if (!obj) throw notFound(resource, name);
    return clone(obj);
  }

  create(resource: ResourceInfo, namespace: string | undefined, body: KubeObject): KubeObject {
    const obj = clone(body);
    obj.metadata ??= {};
    if (!obj.metadata.name && obj.metadata.generateName) {
      obj.metadata.name = `${obj.metadata.generateName}${randomUUID().slice(0, 5)}`;
    }
    const name = obj.metadata.name;
    if (!name) throw new ApiError(422, 'Invalid', 'metadata.name: Required value');
    if (resource.namespaced) {
      if (namespace && obj.metadata.namespace && obj.metadata.namespace !== namespace) {
        throw new ApiError(400, 'BadRequest', 'the namespace of the object does not match the namespace on the request');
      }
      obj.metadata.namespace = namespace ?? obj.metadata.namespace ?? 'default';
    }
    const bucket = this.bucket(resource);
    const k = key(obj.metadata.namespace, name);
    if (bucket.has(k)) throw new ApiError(409, 'AlreadyExists', `${resource.plural} "${name}" already exists`);
    obj.apiVersion = apiVersionOf(resource);
    obj.kind = resource.kind;
    obj.metadata.uid = randomUUID();
    obj.metadata.generation = 1;
    obj.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    // A CRD with a status subresource ignores status on create.
    if (resource.statusSubresource && resource.group !== '') delete obj.status;
    obj.metadata.resourceVersion = String(++this.rv);
    bucket.set(k, obj);
    this.record(resource, 'ADDED', obj);
    return clone(obj);
  }

  /**
   * Replace an object (PUT). With `subresource: 'status'` only status changes; without
   * it, status is kept as it was for resources with a status subresource. A
   * resourceVersion in the body is a precondition: 409 Conflict when stale.
   */
  update(resource: ResourceInfo, namespace: string | undefined, name: string, body: KubeObject, subresource?: string): KubeObject {
    const bucket = this.bucket(resource);
    const k = key(resource.namespaced ? namespace : undefined, name);
    const current = bucket.get(k);
    if (!current) throw notFound(resource, name);
    const wanted = body.metadata?.resourceVersion;
    if (wanted !== undefined && wanted !== '' && wanted !== current.metadata.resourceVersion) {
      throw new ApiError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${resource.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    let next: KubeObject;
    if (subresource === 'status') {
      next = { ...clone(current), status: clone(body.status) };
    } else {
      next = clone(body);
      next.metadata = {
        ...next.metadata,
        name: current.metadata.name,
        namespace: current.metadata.namespace,
        uid: current.metadata.uid,
        creationTimestamp: current.metadata.creationTimestamp,
        generation: current.metadata.generation,
      };
      next.apiVersion = current.apiVersion;
      next.kind = current.kind;
      if (resource.statusSubresource) next.status = clone(current.status);
      if (JSON.stringify(next.spec) !== JSON.stringify(current.spec)) next.metadata.generation = (current.metadata.generation ?? 1) + 1;
    }
    if (sameContent(current, next)) return clone(current);
    next.metadata.resourceVersion = String(++this.rv);
    bucket.set(k, next);
    this.record(resource, 'MODIFIED', next, current);
    return clone(next);
  }

  delete(resource: ResourceInfo, namespace: string | undefined, name: string, precondition?: { resourceVersion?: string; uid?: string }): KubeObject {
    const bucket = this.bucket(resource);
    const k = key(resource.namespaced ? namespace : undefined, name);
    const current = bucket.get(k);
    if (!current) throw notFound(resource, name);
    if (precondition?.uid && precondition.uid !== current.metadata.uid) throw new ApiError(409, 'Conflict', 'uid precondition failed');
    if (precondition?.resourceVersion && precondition.resourceVersion !== current.metadata.resourceVersion) {
      throw new ApiError(409, 'Conflict', 'resourceVersion precondition failed');
    }
    bucket.delete(k);
    const gone = { ...clone(current), metadata: { ...clone(current.metadata), resourceVersion: String(++this.rv) } };
    this.record(resource, 'DELETED', gone);
    this.collectGarbage(current.metadata.uid!);
    return clone(gone);
  }

  /** Background cascading deletion: what the garbage collector does for dependents. */
  private collectGarbage(ownerUid: string): void {
    for (const r of this.resources) {
      for (const obj of [...this.bucket(r).values()]) {
        if (obj.metadata.ownerReferences?.some((o) => o.uid === ownerUid)) {
          this.delete(r, obj.metadata.namespace, obj.metadata.name!);
        }
      }
    }
  }

  private record(resource: ResourceInfo, type: WatchEventType, object: KubeObject, previous?: KubeObject): void {
    const event: StoredEvent = { rv: this.rv, resource: resourceId(resource), type, object: clone(object), previous };
    this.history.push(event);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit);
      this.oldestValidRv = dropped[dropped.length - 1]!.rv;
    }
    for (const l of this.listeners) l(event);
  }

  private bucket(resource: ResourceInfo): Map<string, KubeObject> {
    const b = this.objects.get(resourceId(resource));
    if (!b) throw new Error(`unknown resource ${resourceId(resource)}`);
    return b;
  }
}

function key(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? ''}/${name ?? ''}`;
}

function notFound(resource: ResourceInfo, name: string): ApiError {
  const group = resource.group === '' ? '' : `.${resource.group}`;
  return new ApiError(404, 'NotFound', `${resource.plural}${group} "${name}" not found`);
}

function sameContent(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject): unknown => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return clone(patch);
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
