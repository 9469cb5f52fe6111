/**
 * Leader election on a coordination.k8s.io/v1 Lease, after client-go's leaderelection:
 * candidates try to acquire or renew every `retryPeriodMs`; a lease held by another is
 * taken over only once it was not renewed for `leaseDurationMs` as seen on this
 * replica's own clock (no clock comparison between replicas); a leader that cannot
 * renew within `renewDeadlineMs` steps down before anyone else may take over; stop()
 * releases the lease so a successor need not wait. Updates carry the resourceVersion
 * they read: two candidates never both win the same round.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../lib/log.js';

export interface LeaderElectionOptions {
  readonly kubeConfig: KubeConfig;
  /** The component's logger (the caller makes it: `root.child({ component: 'leader-election' })`). */
  readonly log: Logger;
  /** Namespace of the Lease (weir's own namespace). */
  readonly namespace: string;
  /** Name of the Lease. Default `weir` (the --lease-name default). */
  readonly name?: string;
  /** This replica's identity (the pod name). Default hostname plus a random suffix. */
  readonly identity?: string;
  /** How long a lease holds without renewal, ms. Default 15,000 (client-go's). */
  readonly leaseDurationMs?: number;
  /** How long a leader keeps trying to renew before it steps down, ms. Default 10,000. */
  readonly renewDeadlineMs?: number;
  /** Time between attempts, ms. Default 2,000. */
  readonly retryPeriodMs?: number;
  readonly registry?: Registry;
  readonly now?: () => number;
}

export interface LeaderElection {
  /** True while this replica holds the lease. */
  isLeader(): boolean;
  /** Called with each change of leadership. Returns an unsubscribe function. */
  onChange(cb: (leader: boolean) => void): () => void;
  /** This replica's identity, as written in the Lease. */
  readonly identity: string;
  /**
   * Stop campaigning. Releases the lease when held (unless `release: false`, which
   * simulates a crash in tests), so that another replica takes over at once.
   */
  stop(options?: { release?: boolean }): Promise<void>;
}

/** Start campaigning for the lease. Leadership is reported through onChange/isLeader. */
export function startLeaderElection(opts: LeaderElectionOptions): LeaderElection {
  return new Election(opts);
}

class Election implements LeaderElection {
  readonly identity: string;
  private readonly log: Logger;
  private readonly api: CoordinationV1Api;
  private readonly name: string;
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private readonly now: () => number;
  private leader = false;
  private lastRenew = 0;
  /** The last record seen, and when this replica first saw it (local clock). */
  private observed: { record: string; at: number } | undefined;
  private readonly listeners = new Set<(leader: boolean) => void>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly gauge: Gauge | undefined;

  constructor(private readonly opts: LeaderElectionOptions) {
    this.identity = opts.identity ?? `${hostname()}_${randomUUID().slice(0, 8)}`;
    this.log = opts.log.child({ identity: this.identity });
    this.api = opts.kubeConfig.makeApiClient(CoordinationV1Api);
    this.name = opts.name ?? 'weir';
    this.leaseMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryMs = opts.retryPeriodMs ?? 2_000;
    this.now = opts.now ?? Date.now;
    if (this.renewDeadlineMs >= this.leaseMs) {
      throw new RangeError('leader election: renewDeadlineMs must be shorter than leaseDurationMs');
    }
    const registry = opts.registry;
    this.gauge = registry
      ? ((registry.getSingleMetric('weir_leader') as Gauge | undefined) ??
        new Gauge({ name: 'weir_leader', help: '1 while this replica holds the leader lease.', registers: [registry] }))
      : undefined;
    this.gauge?.set(0);
    this.schedule(0);
  }

  isLeader(): boolean {
    return this.leader;
  }

  onChange(cb: (leader: boolean) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  async stop(options: { release?: boolean } = {}): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    // Released even when not (yet) leader here: a round may have won just before stop.
    if (options.release !== false) await this.release();
    this.setLeader(false);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.round().finally(() => {
        // Followers jitter their attempts (client-go's JitterFactor 1.2); leaders renew on time.
        this.schedule(this.leader ? this.retryMs : this.retryMs * (1 + Math.random() * 0.2));
      });
    }, delayMs);
  }

  private async round(): Promise<void> {
    let ok = false;
    try {
      ok = await this.tryAcquireOrRenew();
    } catch (err) {
      this.log.warn({ err: String(err) }, 'lease update failed');
    }
    if (this.stopped) return;
    const now = this.now();
    if (ok) {
      this.lastRenew = now;
      if (!this.leader) this.log.info({ lease: `${this.opts.namespace}/${this.name}` }, 'became leader');
      this.setLeader(true);
    } else if (this.leader && now - this.lastRenew >= this.renewDeadlineMs) {
      this.log.warn({ lease: `${this.opts.namespace}/${this.name}` }, 'could not renew the lease in time; stepping down');
      this.setLeader(false);
    }
  }

  /** One attempt; true when this replica holds the lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.now();
    const durationSeconds = Math.max(1, Math.ceil(this.leaseMs / 1000));
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name: this.name, namespace: this.opts.namespace });
    } catch (err) {
      if (codeOf(err) !== 404) throw err;
      await this.api.createNamespacedLease({
        namespace: this.opts.namespace,
        body: {
          metadata: { name: this.name, namespace: this.opts.namespace },
          spec: {
            holderIdentity: this.identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: new Date(now),
            renewTime: new Date(now),
            leaseTransitions: 0,
          },
        },
      });
      return true;
    }
    const spec = lease.spec ?? {};
    const record = JSON.stringify([spec.holderIdentity ?? '', String(spec.renewTime ?? ''), spec.leaseTransitions ?? 0]);
    if (this.observed?.record !== record) this.observed = { record, at: now };
    const holder = spec.holderIdentity ?? '';
    const mine = holder === this.identity;
    if (holder !== '' && !mine && now < this.observed.at + this.leaseMs) {
      if (this.leader) {
        this.log.warn({ holder }, 'another replica holds the lease; stepping down');
        this.setLeader(false);
      }
      return false;
    }
    try {
      await this.api.replaceNamespacedLease({
        name: this.name,
        namespace: this.opts.namespace,
        body: {
          metadata: { ...lease.metadata, name: this.name, namespace: this.opts.namespace },
          spec: {
            holderIdentity: this.identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: mine && spec.acquireTime ? spec.acquireTime : new Date(now),
            renewTime: new Date(now),
            leaseTransitions: mine ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
          },
        },
      });
      return true;
    } catch (err) {
      // 409: someone else updated the lease since we read it; they won this round.
      if (codeOf(err) === 409) return false;
      throw err;
    }
  }

  /** Give the lease up: an empty holder lets a candidate take it on its next attempt. */
  private async release(): Promise<void> {
    try {
      const lease = await this.api.readNamespacedLease({ name: this.name, namespace: this.opts.namespace });
      if (lease.spec?.holderIdentity !== this.identity) return;
      await this.api.replaceNamespacedLease({
        name: this.name,
        namespace: this.opts.namespace,
        body: {
          metadata: lease.metadata,
          spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: new Date(this.now()) },
        },
      });
      this.log.info({ lease: `${this.opts.namespace}/${this.name}` }, 'lease released');
    } catch (err) {
      this.log.warn({ err: String(err) }, 'could not release the lease; it expires on its own');
    }
  }

  private setLeader(leader: boolean): void {
    if (this.leader === leader) return;
    this.leader = leader;
    this.gauge?.set(leader ? 1 : 0);
    for (const cb of [...this.listeners]) {
      try {
        cb(leader);
      } catch (err) {
        this.log.error({ err }, 'leadership listener failed');
      }
    }
  }
}

function codeOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}
