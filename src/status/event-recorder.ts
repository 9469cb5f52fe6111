/**
 * Writes core/v1 Events on Services, aggregated as the Kubernetes event recorder does:
 * an identical event (same Service, reason and message) within the window bumps the
 * count and lastTimestamp of the existing Event instead of creating another; several
 * bumps between two writes collapse into one write.
 */
import { CoreV1Api, PatchStrategy, setHeaderOptions, type CoreV1Event, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../lib/log.js';
import type { ServiceKey } from '../model/index.js';
import type { EventIntent } from './report-events.js';

/** Longest message the API server accepts on an Event. */
const MAX_MESSAGE = 1024;

interface Aggregate {
  readonly intent: EventIntent;
  readonly target: ServiceKey & { uid?: string };
  name?: string;
  count: number;
  written: number;
  firstAt: number;
  lastAt: number;
}

export interface EventRecorderOptions {
  readonly kubeConfig: KubeConfig;
  readonly log: Logger;
  readonly now: () => number;
  /** Identical events within this window are aggregated, ms. Default 10 minutes. */
  readonly windowMs?: number;
  /** Who reports (the pod name), shown as reportingInstance. */
  readonly instance?: string;
  /** Queue a write under a key (writes with the same key collapse). */
  readonly enqueue: (key: string, write: () => Promise<void>) => void;
  /** Awaited before each request (the global rate limit). */
  readonly beforeRequest?: () => Promise<void>;
  readonly onWrite?: (result: 'created' | 'updated' | 'failed') => void;
}

export class EventRecorder {
  private readonly core: CoreV1Api;
  private readonly windowMs: number;
  private readonly aggregates = new Map<string, Aggregate>();
  private seq = 0;

  constructor(private readonly opts: EventRecorderOptions) {
    this.core = opts.kubeConfig.makeApiClient(CoreV1Api);
    this.windowMs = opts.windowMs ?? 600_000;
  }

  /** Record an event on the Service `target`. */
  record(target: ServiceKey & { uid?: string }, intent: EventIntent): void {
    const now = this.opts.now();
    const message = intent.message.length > MAX_MESSAGE ? `${intent.message.slice(0, MAX_MESSAGE - 1)}…` : intent.message;
    const key = `${target.namespace}/${target.name}\u0000${intent.type}\u0000${intent.reason}\u0000${message}`;
    let agg = this.aggregates.get(key);
    if (agg && now - agg.lastAt < this.windowMs) {
      agg.count++;
      agg.lastAt = now;
    } else {
      agg = { intent: { ...intent, message }, target, count: 1, written: 0, firstAt: now, lastAt: now };
      this.aggregates.set(key, agg);
    }
    this.prune(now);
    const a = agg;
    this.opts.enqueue(`event:${key}`, () => this.write(a));
  }

  private async write(agg: Aggregate): Promise<void> {
    if (agg.count === agg.written) return;
    const { namespace, name, uid } = agg.target;
    const count = agg.count;
    try {
      await this.opts.beforeRequest?.();
      if (agg.name === undefined) {
        const eventName = `${name}.${(agg.firstAt * 1000 + (this.seq++ % 1000)).toString(16)}`;
        const body: CoreV1Event = {
          metadata: { name: eventName, namespace },
          involvedObject: { apiVersion: 'v1', kind: 'Service', namespace, name, ...(uid ? { uid } : {}) },
          type: agg.intent.type,
          reason: agg.intent.reason,
          message: agg.intent.message,
          count,
          firstTimestamp: new Date(agg.firstAt),
          lastTimestamp: new Date(agg.lastAt),
          source: { component: 'weir' },
          reportingComponent: 'weir.dev/weir',
          reportingInstance: this.opts.instance ?? 'weir',
        };
        await this.core.createNamespacedEvent({ namespace, body });
        agg.name = eventName;
        this.opts.onWrite?.('created');
      } else {
        await this.core.patchNamespacedEvent(
          { namespace, name: agg.name, body: { count, lastTimestamp: new Date(agg.lastAt).toISOString() } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        this.opts.onWrite?.('updated');
      }
      agg.written = count;
    } catch (err) {
      // An Event is best effort: a failure is logged and counted, never retried in a loop.
      // The next identical event brings the count up to date.
      const code = (err as { code?: number }).code;
      if (code === 404) agg.name = undefined;
      this.opts.onWrite?.('failed');
      this.opts.log.warn({ service: `${namespace}/${name}`, reason: agg.intent.reason, code, err: String(err) }, 'event write failed');
    }
  }

  private prune(now: number): void {
    if (this.aggregates.size < 1024) return;
    for (const [k, a] of this.aggregates) if (now - a.lastAt >= this.windowMs) this.aggregates.delete(k);
  }
}
