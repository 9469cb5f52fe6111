/**
 * The state of one State-of-the-World ADS stream (XDS.md "Protocol rules"). Level-
 * triggered: per type it remembers what the client subscribes to and what it was sent
 * (name → content hash); every request and every cache flush re-evaluates the
 * difference against the current snapshot, so nothing depends on the order of events.
 *
 * - At most one un-ACKed response per type; changes wait for the ACK (envoy#10363).
 * - A stale nonce is not answered; a NACK is recorded and never answered with the same
 *   content (go-control-plane #46, #962); versions never decide ACK vs NACK (gRFC A46).
 * - LDS/CDS responses hold every subscribed resource; EDS/RDS only changed ones.
 * - Wildcard applies to LDS/CDS only; EDS with no names means nothing.
 * - A CDS change re-sends the CLAs of the changed clusters (warming); responses go out
 *   CDS → EDS → LDS → RDS, removal-only responses last.
 */
import { TYPE_URL, type EncodedResource, type TypeUrl } from '../types.js';
import type { CacheChange } from '../cache/xds-cache.js';
import type { TypeSnapshot } from '../cache/snapshot.js';
import type { DiscoveryRequestMsg } from './ads-definition.js';
import { AdsStream, type NackRecord, type Variant } from './stream-base.js';
import { encodeSotwResponse } from './wire.js';

/** Types whose SotW responses carry the full state (omitted = deleted) and which may be wildcard. */
const FULL_STATE: ReadonlySet<TypeUrl> = new Set([TYPE_URL.LISTENER, TYPE_URL.CLUSTER]);

interface TypeState {
  requested: boolean;
  wildcard: boolean;
  /** Wildcard because every request so far had empty names (the legacy form). */
  legacyWildcard: boolean;
  /** Explicit names, sorted, and as a set. */
  names: string[];
  nameSet: Set<string>;
  /** The names of the last request, in the client's order (interned). */
  lastRequest: readonly string[];
  /**
   * Subset types (EDS/RDS): the names to look at in the next evaluation — changed in
   * the cache, newly subscribed, or warming — unless `full` asks for all of them.
   */
  dirty: Set<string>;
  full: boolean;
  /** name → content hash the client was last sent. */
  sent: Map<string, string>;
  /** The latest nonce sent for this type. */
  nonce: string | undefined;
  /** The un-ACKed response, if any. */
  pending: { version: string; names: readonly string[] } | undefined;
  answered: boolean;
  lastAcked: string;
  lastNack: NackRecord | undefined;
}

interface Plan {
  readonly type: TypeUrl;
  readonly version: string;
  readonly resources: readonly EncodedResource[];
  /** True when the response only takes resources away (sent after the others). */
  readonly removalOnly: boolean;
  /** Full-state plans replace the sent map; subset plans add to it. */
  readonly full: boolean;
}

function newState(): TypeState {
  return {
    requested: false,
    wildcard: false,
    legacyWildcard: false,
    names: [],
    nameSet: new Set(),
    lastRequest: [],
    dirty: new Set(),
    full: true,
    sent: new Map(),
    nonce: undefined,
    pending: undefined,
    answered: false,
    lastAcked: '',
    lastNack: undefined,
  };
}

export class SotwStream extends AdsStream<TypeState, Plan> {
  readonly variant: Variant = 'sotw';

  /** Process one request. Never throws for bad input: it closes or ignores. */
  onRequest(req: DiscoveryRequestMsg): void {
    if (this.isClosed()) return;
    const type = this.admit(req.type_url, [req.resource_names], req.node);
    if (type === undefined) return;
    const st = this.state(type);

    if (req.response_nonce !== '' && st.nonce !== undefined && req.response_nonce !== st.nonce) {
      // Superseded: the client has not seen our latest response yet; it will answer that.
      this.recordStale(type, req.response_nonce);
      return;
    }
    if (req.response_nonce === '') {
      // A first request (new stream or a client starting the type over): whatever it
      // subscribes to is sent in full, whatever version it claims to hold.
      this.abandonPending(type, st);
      st.sent.clear();
      st.full = true;
      st.answered = false;
    } else if (st.pending) {
      if (req.error_detail) {
        st.lastNack = this.recordNack(type, req.version_info, st.pending.names, req.error_detail);
      } else {
        st.lastAcked = st.pending.version;
      }
      this.abandonPending(type, st);
    }
    this.subscribe(type, st, req.resource_names);
    // Only this type's state changed: the others are up to date with the snapshot.
    this.evaluate(new Set([type]));
  }

  onCacheChange(change: CacheChange): void {
    if (this.isClosed() || change.kind !== this.kind) return;
    for (const [type, st] of this.states) {
      const diff = change.diffs.get(type);
      if (!diff) continue;
      // A stream waiting for an ACK gets the new version later: it still counts.
      if (st.pending) {
        this.deps.convergence.expect(this.deps.id, change.kind, type, change.snapshot.types.get(type)?.version ?? '');
      }
      if (!FULL_STATE.has(type) && !st.full) {
        // Subset types look only at the names that changed (and are subscribed).
        for (const name of diff.changed) if (st.nameSet.has(name)) st.dirty.add(name);
        for (const name of diff.removed) if (st.nameSet.has(name)) st.dirty.add(name);
      }
    }
    this.evaluate(new Set(change.diffs.keys()));
  }

  protected newState(): TypeState {
    return newState();
  }

  private subscribe(type: TypeUrl, st: TypeState, requested: readonly string[]): void {
    const first = !st.requested;
    st.requested = true;
    let names: readonly string[];
    if (FULL_STATE.has(type)) {
      if (requested.length === 0 && (first || st.legacyWildcard)) {
        st.wildcard = true;
        st.legacyWildcard = true;
        names = [];
      } else {
        st.legacyWildcard = false;
        st.wildcard = requested.includes('*');
        names = st.wildcard ? requested.filter((n) => n !== '*') : requested;
      }
    } else {
      // EDS and RDS are never wildcard: no names means nothing.
      names = requested;
    }
    // Most requests (ACKs) repeat the subscription, usually in the same order: compare
    // with the last list first (no hashing of the freshly decoded strings), then as sets.
    if (sameList(names, st.lastRequest)) return;
    const resources = this.currentResources(type);
    st.lastRequest = names.map((n) => resources?.get(n)?.name ?? n);
    if (names.length === st.names.length && names.every((n) => st.nameSet.has(n))) return;
    // Keep the snapshot's own string for a known name: thousands of streams subscribing
    // the same names then share one copy of each.
    const next = [...new Set(names)].map((n) => resources?.get(n)?.name ?? n).sort();
    const keep = new Set(next);
    for (const name of st.names) {
      // Forget what an unsubscribed name was sent: a resubscription sends it again.
      if (!keep.has(name) && !FULL_STATE.has(type)) st.sent.delete(name);
    }
    for (const name of next) if (!st.nameSet.has(name)) st.dirty.add(name);
    st.names = next;
    st.nameSet = keep;
  }

  private currentResources(type: TypeUrl): ReadonlyMap<string, EncodedResource> | undefined {
    return this.kind ? this.deps.cache.snapshot(this.kind)?.types.get(type)?.resources : undefined;
  }

  protected plan(type: TypeUrl, st: TypeState, ts: TypeSnapshot | undefined): Plan | undefined {
    return FULL_STATE.has(type) ? planFull(type, st, ts) : planSubset(type, st, ts);
  }

  protected removalOnly(plan: Plan): boolean {
    return plan.removalOnly;
  }

  /** Forget the CLAs sent for changed clusters, so that EDS sends them again. */
  protected warm(cds: TypeState, plan: Plan): boolean {
    const eds = this.states.get(TYPE_URL.ENDPOINT);
    if (!eds) return false;
    let warmed = false;
    for (const res of plan.resources) {
      if (cds.sent.get(res.name) !== res.hash && eds.sent.delete(res.name)) {
        eds.dirty.add(res.name);
        warmed = true;
      }
    }
    return warmed;
  }

  protected send(plan: Plan): void {
    const st = this.state(plan.type);
    const nonce = this.nonces.next();
    const bytes = encodeSotwResponse({
      versionInfo: plan.version,
      typeUrl: plan.type,
      nonce,
      resources: plan.resources,
      controlPlane: this.deps.controlPlane,
    });
    if (plan.full) st.sent = new Map();
    for (const res of plan.resources) st.sent.set(res.name, res.hash);
    this.deliver(st, plan, nonce, bytes);
  }
}

const NO_RESOURCES: ReadonlyMap<string, EncodedResource> = new Map();

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** LDS/CDS: every subscribed resource that exists, when anything differs from what was sent. */
function planFull(type: TypeUrl, st: TypeState, ts: TypeSnapshot | undefined): Plan | undefined {
  const resources = ts?.resources ?? NO_RESOURCES;
  const current: EncodedResource[] = [];
  const seen = new Set<string>();
  const add = (name: string) => {
    const res = resources.get(name);
    if (res && !seen.has(name)) {
      seen.add(name);
      current.push(res);
    }
  };
  if (st.wildcard) for (const name of ts?.names ?? []) add(name);
  for (const name of st.names) add(name);
  if (st.wildcard && st.names.length > 0) current.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  let changed = false;
  for (const res of current) {
    if (st.sent.get(res.name) !== res.hash) {
      changed = true;
      break;
    }
  }
  let dropped = false;
  for (const name of st.sent.keys()) {
    if (!seen.has(name)) {
      dropped = true;
      break;
    }
  }
  // A wildcard subscriber is answered even when there is nothing: it is waiting for
  // the full state to finish initialising, and "no clusters" is a state.
  const mustAnswer = !st.answered && st.wildcard;
  if (!changed && !dropped && !mustAnswer) return undefined;
  return { type, version: ts?.version ?? '0', resources: current, removalOnly: dropped && !changed, full: true };
}

/** EDS/RDS: only subscribed resources whose content the client does not have. */
function planSubset(type: TypeUrl, st: TypeState, ts: TypeSnapshot | undefined): Plan | undefined {
  const resources = ts?.resources ?? NO_RESOURCES;
  const out: EncodedResource[] = [];
  const names = st.full ? st.names : [...st.dirty].filter((n) => st.nameSet.has(n)).sort();
  st.full = false;
  st.dirty.clear();
  for (const name of names) {
    const res = resources.get(name);
    if (!res) {
      // Missing: the subscription is remembered and the resource pushed when it appears.
      st.sent.delete(name);
      continue;
    }
    if (st.sent.get(name) !== res.hash) out.push(res);
  }
  if (out.length === 0) return undefined;
  return { type, version: ts?.version ?? '0', resources: out, removalOnly: false, full: false };
}
