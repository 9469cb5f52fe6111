/**
 * The state of one Delta (incremental) ADS stream (XDS.md "Delta"). Per type it keeps
 * the subscriptions and what the client holds (name → content hash); each request and
 * each cache flush re-evaluates the difference against the current snapshot.
 *
 * - Subscribe/unsubscribe apply even on a stale nonce; only the latest nonce ACKs/NACKs.
 * - Every name in `resource_names_subscribe` is sent, even if the client holds it;
 *   `initial_resource_versions` on the first request is honoured (current → not resent).
 * - Resources carry their content hash as version, always with a body; a deleted or
 *   missing subscribed name goes into `removed_resources` and stays subscribed.
 * - An unsubscribe-only request needs no answer; system_version_info is informational.
 * - At most one un-ACKed response per type; CDS changes re-send their CLAs (warming).
 */
import { TYPE_URL, type EncodedResource, type TypeUrl } from '../types.js';
import type { CacheChange } from '../cache/xds-cache.js';
import type { TypeSnapshot } from '../cache/snapshot.js';
import { status } from '@grpc/grpc-js';
import type { DeltaDiscoveryRequestMsg } from './ads-definition.js';
import { AdsStream, type NackRecord, type Variant } from './stream-base.js';
import { encodeDeltaResponse } from './wire.js';

/** Types that may be subscribed by wildcard. */
const WILDCARD_TYPES: ReadonlySet<TypeUrl> = new Set([TYPE_URL.LISTENER, TYPE_URL.CLUSTER]);

interface TypeState {
  requested: boolean;
  wildcard: boolean;
  names: Set<string>;
  /** Names to look at in the next evaluation, unless `full` asks for every name. */
  dirty: Set<string>;
  full: boolean;
  /** `names`, sorted; recomputed after a subscription change. */
  sorted: string[] | undefined;
  /** The client left the wildcard: what it held through it must be forgotten once. */
  droppedWildcard: boolean;
  /** name → version (content hash) the client holds or was last sent. */
  has: Map<string, string>;
  /** Subscribed names already reported as missing (in removed_resources) and still missing. */
  reportedMissing: Set<string>;
  nonce: string | undefined;
  pending: { version: string; names: readonly string[] } | undefined;
  answered: boolean;
  lastNack: NackRecord | undefined;
}

interface Plan {
  readonly type: TypeUrl;
  readonly version: string;
  readonly resources: readonly EncodedResource[];
  readonly removed: readonly string[];
}

function newState(): TypeState {
  return {
    requested: false,
    wildcard: false,
    names: new Set(),
    dirty: new Set(),
    full: true,
    sorted: undefined,
    droppedWildcard: false,
    has: new Map(),
    reportedMissing: new Set(),
    nonce: undefined,
    pending: undefined,
    answered: false,
    lastNack: undefined,
  };
}

export class DeltaStream extends AdsStream<TypeState, Plan> {
  readonly variant: Variant = 'delta';

  /** Process one request. Never throws for bad input: it closes or ignores. */
  onRequest(req: DeltaDiscoveryRequestMsg): void {
    if (this.isClosed()) return;
    const initial = Object.keys(req.initial_resource_versions);
    const type = this.admit(req.type_url, [req.resource_names_subscribe, req.resource_names_unsubscribe, initial], req.node);
    if (type === undefined) return;
    const st = this.state(type);

    this.subscribe(type, st, req);
    if (st.names.size > this.deps.limits.maxNames) {
      this.deps.metrics.rejected.inc({ reason: 'too_many_names' });
      this.deps.close(status.RESOURCE_EXHAUSTED, `a stream may subscribe at most ${this.deps.limits.maxNames} resources per type`);
      this.dispose();
      return;
    }

    if (req.response_nonce !== '' && st.nonce !== undefined && req.response_nonce !== st.nonce) {
      // Superseded, but its subscription changes count (applied above).
      this.recordStale(type, req.response_nonce);
    } else if (req.response_nonce !== '' && st.pending) {
      if (req.error_detail) st.lastNack = this.recordNack(type, '', st.pending.names, req.error_detail);
      this.abandonPending(type, st);
    }
    // Only this type's state changed: the others are up to date with the snapshot.
    this.evaluate(new Set([type]));
  }

  onCacheChange(change: CacheChange): void {
    if (this.isClosed() || change.kind !== this.kind) return;
    for (const [type, st] of this.states) {
      const diff = change.diffs.get(type);
      if (!diff) continue;
      if (st.pending) {
        this.deps.convergence.expect(this.deps.id, change.kind, type, change.snapshot.types.get(type)?.version ?? '');
      }
      if (st.full) continue;
      // Look only at the names that changed and concern this client.
      const concerns = (name: string) => st.wildcard || st.names.has(name) || st.has.has(name);
      for (const name of diff.changed) if (concerns(name)) st.dirty.add(name);
      for (const name of diff.removed) if (concerns(name)) st.dirty.add(name);
    }
    this.evaluate(new Set(change.diffs.keys()));
  }

  protected newState(): TypeState {
    return newState();
  }

  private subscribe(type: TypeUrl, st: TypeState, req: DeltaDiscoveryRequestMsg): void {
    const first = !st.requested;
    st.requested = true;
    const initialVersions = first ? req.initial_resource_versions : {};
    if (first) {
      // What the client already holds from an earlier stream: not resent while current.
      for (const [name, version] of Object.entries(initialVersions)) st.has.set(name, version);
      if (WILDCARD_TYPES.has(type) && req.resource_names_subscribe.length === 0) st.wildcard = true;
    }
    const resources = this.kind ? this.deps.cache.snapshot(this.kind)?.types.get(type)?.resources : undefined;
    for (const requested of req.resource_names_subscribe) {
      if (requested === '*') {
        if (WILDCARD_TYPES.has(type) && !st.wildcard) {
          st.wildcard = true;
          st.full = true;
        }
        continue;
      }
      // Keep the snapshot's own string for a known name (shared by every stream).
      const name = resources?.get(requested)?.name ?? requested;
      st.names.add(name);
      st.sorted = undefined;
      st.dirty.add(name);
      st.reportedMissing.delete(name);
      // Send it even if the client holds it, unless it just told us which version it holds.
      if (!Object.hasOwn(initialVersions, name)) st.has.delete(name);
    }
    for (const name of req.resource_names_unsubscribe) {
      if (name === '*') {
        st.wildcard = false;
        st.droppedWildcard = true;
        continue;
      }
      st.names.delete(name);
      st.sorted = undefined;
      st.has.delete(name);
      st.reportedMissing.delete(name);
    }
  }

  protected plan(type: TypeUrl, st: TypeState, ts: TypeSnapshot | undefined): Plan | undefined {
    return planDelta(type, st, ts);
  }

  protected removalOnly(plan: Plan): boolean {
    return plan.resources.length === 0 && plan.removed.length > 0;
  }

  /** A delta plan holds only the clusters that changed: send all their CLAs again. */
  protected warm(_cds: TypeState, plan: Plan): boolean {
    const eds = this.states.get(TYPE_URL.ENDPOINT);
    if (!eds) return false;
    let warmed = false;
    for (const res of plan.resources) {
      if (eds.has.delete(res.name)) {
        eds.dirty.add(res.name);
        warmed = true;
      }
    }
    return warmed;
  }

  protected send(plan: Plan): void {
    const st = this.state(plan.type);
    const nonce = this.nonces.next();
    const bytes = encodeDeltaResponse({
      systemVersionInfo: plan.version,
      typeUrl: plan.type,
      nonce,
      resources: plan.resources,
      removed: plan.removed,
      controlPlane: this.deps.controlPlane,
    });
    for (const res of plan.resources) {
      st.has.set(res.name, res.hash);
      st.reportedMissing.delete(res.name);
    }
    for (const name of plan.removed) {
      st.has.delete(name);
      if (st.names.has(name)) st.reportedMissing.add(name);
    }
    this.deliver(st, plan, nonce, bytes, plan.removed.length);
  }
}

const NO_RESOURCES: ReadonlyMap<string, EncodedResource> = new Map();

function planDelta(type: TypeUrl, st: TypeState, ts: TypeSnapshot | undefined): Plan | undefined {
  const resources = ts?.resources ?? NO_RESOURCES;
  const out: EncodedResource[] = [];
  const removed: string[] = [];
  const consider = (name: string) => {
    const res = resources.get(name);
    if (res) {
      if (st.has.get(name) !== res.hash && (st.wildcard || st.names.has(name))) out.push(res);
    } else if (st.has.has(name) || (st.names.has(name) && !st.reportedMissing.has(name))) {
      // Deleted (the client holds it) or missing (never reported): tell the client it
      // does not exist; the subscription stays and the resource comes when it appears.
      removed.push(name);
    }
  };
  if (!st.full) {
    for (const name of [...st.dirty].sort()) consider(name);
  } else {
    st.sorted ??= [...st.names].sort();
    if (st.wildcard) {
      for (const name of ts?.names ?? []) consider(name);
      for (const name of st.sorted) if (!resources.has(name)) consider(name);
      // What a wildcard subscriber holds stays wanted until it is reported removed.
      for (const name of st.has.keys()) if (!resources.has(name) && !st.names.has(name)) consider(name);
    } else {
      for (const name of st.sorted) consider(name);
    }
  }
  st.full = false;
  st.dirty.clear();
  if (st.droppedWildcard) {
    // Names held only through the wildcard the client left: forget them silently.
    st.droppedWildcard = false;
    for (const name of st.has.keys()) if (!st.names.has(name) && !st.wildcard) st.has.delete(name);
  }
  const mustAnswer = !st.answered && st.wildcard;
  if (out.length === 0 && removed.length === 0 && !mustAnswer) return undefined;
  return { type, version: ts?.version ?? '0', resources: out, removed };
}
