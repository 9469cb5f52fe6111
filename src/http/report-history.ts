/**
 * A bounded history of compact per-endpoint points, so that a freshly opened dashboard
 * draws the last minutes at once instead of starting from an empty chart.
 */
import type { EndpointState } from '../model/index.js';
import type { WeightsView } from './weights-view.js';

/** One endpoint at one tick. Signals are null when there was no data. */
export interface EndpointPoint {
  /** Share of the served weight, 0..1. */
  readonly share: number;
  /** Computed integer weight. */
  readonly weight: number;
  readonly state: EndpointState;
  /** Smoothed latency, ms. */
  readonly latencyMs: number | null;
  /** Smoothed error ratio, 0..1. */
  readonly errorRatio: number | null;
  /** Smoothed request rate, per second. */
  readonly requestRate: number | null;
}

/** One tick: serviceId → endpoint address → point. */
export interface HistoryPoint {
  /** ms since the epoch. */
  readonly at: number;
  readonly services: Readonly<Record<string, Readonly<Record<string, EndpointPoint>>>>;
}

/** Build the compact point of one view (null for the empty view). */
export function toHistoryPoint(view: WeightsView): HistoryPoint | null {
  if (view.at === null) return null;
  const services: Record<string, Record<string, EndpointPoint>> = {};
  for (const s of view.services) {
    const endpoints: Record<string, EndpointPoint> = {};
    for (const e of s.endpoints) {
      endpoints[e.address] = {
        share: e.share,
        weight: e.weight,
        state: e.state,
        latencyMs: e.signals.latencyMs ?? null,
        errorRatio: e.signals.errorRatio ?? null,
        requestRate: e.signals.requestRate ?? null,
      };
    }
    services[s.id] = endpoints;
  }
  return { at: view.at, services };
}

function entriesOf(point: HistoryPoint): number {
  let n = 0;
  for (const endpoints of Object.values(point.services)) n += Object.keys(endpoints).length;
  return n;
}

/**
 * Keeps the points of the last `windowMs` (relative to the newest point), oldest first,
 * within two bounds whatever the tick interval and the cluster's size: at most
 * `maxPoints` points, and at most `maxEntries` endpoint entries over all points (so a
 * cluster of 10,000 endpoints keeps 20 points, not 300: the history is sent whole to
 * each dashboard that connects). Points older than the newest are ignored, so the
 * history is always in time order.
 */
export class ReportHistory {
  private readonly buffer: { point: HistoryPoint; entries: number }[] = [];
  private entries = 0;

  constructor(
    /** How far back to keep points, ms. */
    private readonly windowMs: number,
    private readonly maxPoints = 3_600,
    private readonly maxEntries = 200_000,
  ) {}

  add(point: HistoryPoint): void {
    const newest = this.buffer[this.buffer.length - 1];
    if (newest && point.at < newest.point.at) return;
    const entries = entriesOf(point);
    this.buffer.push({ point, entries });
    this.entries += entries;
    const cutoff = point.at - this.windowMs;
    // The newest point is always kept, even alone over the entry bound.
    while (
      this.buffer.length > 1 &&
      (this.buffer[0]!.point.at < cutoff || this.buffer.length > this.maxPoints || this.entries > this.maxEntries)
    ) {
      this.entries -= this.buffer.shift()!.entries;
    }
  }

  /** The kept points, oldest first (a copy). */
  points(): HistoryPoint[] {
    return this.buffer.map((b) => b.point);
  }
}
