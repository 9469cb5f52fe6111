/**
 * What SotW and Delta streams share: their dependencies, the node and client kind taken
 * from the first request (XDS.md: only the first request is sure to carry `node`; later
 * requests are attributed to the stream's node), request checks, NACK bookkeeping, and
 * the evaluation of what to send (push order, warming, one un-ACKed response per type).
 * Each variant plans its own responses and encodes them.
 */
import type { status } from '@grpc/grpc-js';
import type { Logger } from '../../lib/log.js';
import type { CacheChange, XdsCacheView } from '../cache/xds-cache.js';
import type { XdsMetrics } from '../metrics.js';
import { PUSH_ORDER, TYPE_URL, type ClientKind, type EncodedResource, type TypeUrl } from '../types.js';
import type { TypeSnapshot } from '../cache/snapshot.js';
import type { NodeMsg, StatusMsg } from './ads-definition.js';
import { detectClientKind } from './client-kind.js';
import type { ConvergenceTracker } from './convergence.js';
import { checkRequest, type RequestLimits, type Verdict } from './limits.js';
import { NonceSource } from './nonce.js';

export type Variant = 'sotw' | 'delta';

/** Everything a stream needs; `write` and `close` are its only ways out. */
export interface StreamDeps {
  readonly id: number;
  readonly cache: XdsCacheView;
  readonly metrics: XdsMetrics;
  readonly convergence: ConvergenceTracker;
  readonly limits: RequestLimits;
  readonly log: Logger;
  /** Hand a finished response to the transport. */
  readonly write: (bytes: Buffer) => void;
  /** End the stream with a non-OK status. */
  readonly close: (code: status, details: string) => void;
  /** Called once, when the first request tells who the client is. */
  readonly onIdentified: (kind: ClientKind) => void;
  /** Identifies this management server in responses (ControlPlane.identifier). */
  readonly controlPlane?: string;
}

/** The last NACK of a type, kept for logs and debugging. */
export interface NackRecord {
  readonly version: string;
  readonly names: readonly string[];
  readonly code: number;
  readonly message: string;
}

/** Unknown type URLs logged per stream at most this many times (a hostile client cannot flood logs). */
const MAX_LOGGED_UNKNOWN = 8;

/** What every per-type stream state holds, whatever the variant. */
export interface BaseTypeState {
  /** Whether the client has asked for the type at all. */
  requested: boolean;
  /** The latest nonce sent for this type. */
  nonce: string | undefined;
  /** The un-ACKed response, if any. */
  pending: { version: string; names: readonly string[] } | undefined;
  /** Whether any response of the type has gone out on this stream. */
  answered: boolean;
  lastNack: NackRecord | undefined;
}

/** A response one evaluation decided to send for a type. */
export interface BasePlan {
  readonly type: TypeUrl;
  readonly version: string;
  readonly resources: readonly EncodedResource[];
}

export abstract class AdsStream<S extends BaseTypeState = BaseTypeState, P extends BasePlan = BasePlan> {
  /** Per type URL, what this stream knows of the client's subscription. */
  protected readonly states = new Map<TypeUrl, S>();
  protected readonly deps: StreamDeps;
  protected readonly nonces: NonceSource;
  protected log: Logger;
  /** The client kind, fixed by the first request; undefined before it. */
  kind: ClientKind | undefined;
  node: NodeMsg | null = null;
  private unknownLogged = 0;
  private closed = false;

  constructor(deps: StreamDeps) {
    this.deps = deps;
    this.log = deps.log;
    this.nonces = new NonceSource(deps.id);
  }

  abstract readonly variant: Variant;

  /** The cache flushed; push what this stream's subscriptions need. */
  abstract onCacheChange(change: CacheChange): void;

  /** A fresh state for a type the client has not asked for before. */
  protected abstract newState(): S;

  /** What the client of this type needs now against `ts`, or undefined when nothing. */
  protected abstract plan(type: TypeUrl, st: S, ts: TypeSnapshot | undefined): P | undefined;

  /** Whether a plan only takes resources away (such responses go last, in reverse order). */
  protected abstract removalOnly(plan: P): boolean;

  /**
   * A CDS plan is going out: mark the CLAs its changed clusters need again (a changed
   * cluster warms until its CLA arrives, even an unchanged one: go-control-plane #245).
   * True when any EDS resource must be sent again.
   */
  protected abstract warm(cds: S, plan: P): boolean;

  /** Encode and send a plan, updating the type's record of what the client holds. */
  protected abstract send(plan: P): void;

  /**
   * Send what `types` need, in push order (CDS → EDS → LDS → RDS), removal-only responses
   * last and in reverse. A type is evaluated whenever its snapshot, its subscription or
   * its pending state changes, so the others need no look; one with an un-ACKed response
   * waits for its ACK.
   */
  protected evaluate(types: Set<TypeUrl>): void {
    const snapshot = this.kind ? this.deps.cache.snapshot(this.kind) : undefined;
    if (!snapshot || this.closed) return;
    const plans: P[] = [];
    for (const type of PUSH_ORDER) {
      if (!types.has(type)) continue;
      const st = this.states.get(type);
      if (!st?.requested || st.pending) continue;
      const ts = snapshot.types.get(type);
      const plan = this.plan(type, st, ts);
      if (!plan) {
        if (this.kind && ts) this.deps.convergence.done(this.deps.id, this.kind, type, ts.version);
        continue;
      }
      plans.push(plan);
      if (type === TYPE_URL.CLUSTER && this.warm(st, plan)) types.add(TYPE_URL.ENDPOINT);
    }
    const removals: P[] = [];
    for (const plan of plans) {
      if (this.removalOnly(plan)) removals.unshift(plan);
      else this.send(plan);
    }
    for (const plan of removals) this.send(plan);
  }

  /** A plan's response is encoded: record it as the type's pending one and write it. */
  protected deliver(st: S, plan: P, nonce: string, bytes: Buffer, removed = 0): void {
    st.nonce = nonce;
    st.answered = true;
    st.pending = { version: plan.version, names: plan.resources.map((r) => r.name) };
    this.recordPush(plan.type, plan.version, nonce, plan.resources.length, removed);
    this.deps.write(bytes);
  }

  /** The last NACK of a type, for diagnostics. */
  lastNack(type: TypeUrl): NackRecord | undefined {
    return this.states.get(type)?.lastNack;
  }

  protected state(type: TypeUrl): S {
    let st = this.states.get(type);
    if (!st) {
      st = this.newState();
      this.states.set(type, st);
    }
    return st;
  }

  /** Forget the un-ACKed response of a type (it will never be ACKed), for convergence. */
  protected abandonPending(type: TypeUrl, st: S): void {
    if (st.pending && this.kind) this.deps.convergence.done(this.deps.id, this.kind, type, st.pending.version);
    st.pending = undefined;
  }

  /** Stream ended: release what it holds elsewhere. */
  dispose(): void {
    this.closed = true;
    if (this.kind) this.deps.convergence.forget(this.deps.id, this.kind);
  }

  protected isClosed(): boolean {
    return this.closed;
  }

  /**
   * Check a request and identify the client on the first one. Returns the type URL to
   * process, or undefined when the request was refused (stream closed) or ignored.
   */
  protected admit(typeUrl: string, nameLists: readonly (readonly string[])[], node: NodeMsg | null): TypeUrl | undefined {
    const verdict: Verdict = checkRequest(typeUrl, nameLists, this.deps.limits);
    if (verdict.kind !== 'ok') {
      this.deps.metrics.rejected.inc({ reason: verdict.reason });
      if (verdict.kind === 'close') {
        this.log.warn({ reason: verdict.reason, details: verdict.details }, 'xds request refused; closing stream');
        this.closed = true;
        this.deps.close(verdict.code, verdict.details);
      } else if (this.unknownLogged < MAX_LOGGED_UNKNOWN) {
        this.unknownLogged++;
        this.log.info({ reason: verdict.reason, typeUrl: typeUrl.slice(0, 200) }, 'xds request ignored');
      }
      return undefined;
    }
    if (this.kind === undefined) {
      this.node = node;
      this.kind = detectClientKind(node);
      this.log = this.log.child({ nodeId: node?.id ?? '', clientKind: this.kind, variant: this.variant });
      this.log.info({ userAgent: node?.user_agent_name ?? '', cluster: node?.cluster ?? '' }, 'xds stream identified');
      this.deps.onIdentified(this.kind);
    }
    return verdict.type;
  }

  /** Count and log a NACK, naming the resources and the client's error. */
  protected recordNack(type: TypeUrl, version: string, names: readonly string[], error: StatusMsg): NackRecord {
    const record = { version, names, code: error.code, message: error.message.slice(0, 4_096) };
    this.deps.metrics.nacks.inc({ type_url: type, client_kind: this.kind ?? 'envoy' });
    this.log.warn(
      { typeUrl: type, version, resources: names.slice(0, 50), resourceCount: names.length, code: record.code, error: record.message },
      'xds NACK',
    );
    return record;
  }

  protected recordStale(type: TypeUrl, nonce: string): void {
    this.deps.metrics.staleNonces.inc({ type_url: type, variant: this.variant });
    this.log.debug({ typeUrl: type, nonce: nonce.slice(0, 100) }, 'xds stale nonce');
  }

  private recordPush(type: TypeUrl, version: string, nonce: string, count: number, removed = 0): void {
    this.deps.metrics.pushes.inc({ type_url: type, variant: this.variant });
    if (this.kind) this.deps.convergence.expect(this.deps.id, this.kind, type, version);
    this.log.debug({ typeUrl: type, version, nonce, resources: count, removed }, 'xds push');
  }
}
