import { describe, expect, test } from 'vitest';
import { ReportHistory, toHistoryPoint } from '../../../src/http/report-history.js';
import { toWeightsView } from '../../../src/http/weights-view.js';
import { buildReport } from './report-fixture.js';

function point(at: number) {
  const p = toHistoryPoint(
    toWeightsView(buildReport(at, [{ namespace: 'n', name: 's', endpoints: [{ address: '10.0.0.1', weight: 3, latencyMs: 12 }] }])),
  );
  if (!p) throw new Error('expected a point');
  return p;
}

describe('ReportHistory', () => {
  test('a point holds share, weight, state and signals (null when absent)', () => {
    expect(point(10)).toEqual({
      at: 10,
      services: { 'n/s': { '10.0.0.1': { share: 1, weight: 3, state: 'healthy', latencyMs: 12, errorRatio: null, requestRate: null } } },
    });
    expect(toHistoryPoint(toWeightsView(undefined))).toBeNull();
  });

  test('keeps only the window behind the newest point', () => {
    const h = new ReportHistory(10_000);
    for (let at = 0; at <= 30_000; at += 1_000) h.add(point(at));
    const ats = h.points().map((p) => p.at);
    expect(ats[0]).toBe(20_000);
    expect(ats[ats.length - 1]).toBe(30_000);
    expect(ats).toHaveLength(11);
  });

  test('keeps at most maxEntries endpoint entries over all points, but always the newest point', () => {
    const h = new ReportHistory(1e9, 1_000, 3);
    for (const at of [1, 2, 3, 4, 5]) h.add(point(at));
    expect(h.points().map((p) => p.at)).toEqual([3, 4, 5]);
    const tiny = new ReportHistory(1e9, 1_000, 0);
    tiny.add(point(1));
    tiny.add(point(2));
    expect(tiny.points().map((p) => p.at)).toEqual([2]);
  });

  test('keeps at most maxPoints and ignores points older than the newest', () => {
    const h = new ReportHistory(1e9, 3);
    for (const at of [1, 2, 3, 4, 5]) h.add(point(at));
    h.add(point(2));
    expect(h.points().map((p) => p.at)).toEqual([3, 4, 5]);
  });
});
