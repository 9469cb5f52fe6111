import { describe, expect, test } from 'vitest';
import { toWeightsView, EMPTY_WEIGHTS_VIEW } from '../../../src/http/weights-view.js';
import { buildReport } from './report-fixture.js';

describe('toWeightsView', () => {
  test('is the empty view before the first report', () => {
    expect(toWeightsView(undefined)).toEqual({ at: null, services: [] });
    expect(EMPTY_WEIGHTS_VIEW.services).toHaveLength(0);
  });

  test('sorts services by id and endpoints by address, and computes served shares', () => {
    const report = buildReport(1_000, [
      {
        namespace: 'shop',
        name: 'web',
        endpoints: [{ address: '10.0.0.1', weight: 10 }],
      },
      {
        namespace: 'demo',
        name: 'echo',
        port: 50051,
        endpoints: [
          { address: '10.0.0.9', pod: 'echo-b', zone: 'z2', weight: 300, latencyMs: 50, errorRatio: 0.3 },
          { address: '10.0.0.10', pod: 'echo-a', zone: 'z1', weight: 100, state: 'degraded', reason: 'slow' },
        ],
      },
    ]);
    const view = toWeightsView(report);
    expect(view.at).toBe(1_000);
    expect(view.services.map((s) => s.id)).toEqual(['demo/echo', 'shop/web']);
    const echo = view.services[0]!;
    expect(echo).toMatchObject({ namespace: 'demo', name: 'echo', clusters: ['echo.demo:50051'], mode: 'enforce' });
    expect(echo.endpoints.map((e) => e.address)).toEqual(['10.0.0.10', '10.0.0.9']);
    expect(echo.endpoints[0]).toMatchObject({ pod: 'echo-a', zone: 'z1', weight: 100, share: 0.25, state: 'degraded', reason: 'slow' });
    expect(echo.endpoints[1]).toMatchObject({ share: 0.75, signals: { latencyMs: 50, errorRatio: 0.3 } });
  });

  test('shares follow the served weights (equal in shadow mode), not the computed ones', () => {
    const view = toWeightsView(
      buildReport(5, [
        {
          namespace: 'a',
          name: 'b',
          mode: 'shadow',
          endpoints: [
            { address: '10.0.0.1', weight: 900, served: 1 },
            { address: '10.0.0.2', weight: 100, served: 1 },
          ],
        },
      ]),
    );
    const s = view.services[0]!;
    expect(s.mode).toBe('shadow');
    expect(s.endpoints.map((e) => [e.weight, e.share])).toEqual([
      [900, 0.5],
      [100, 0.5],
    ]);
  });

  test('lists annotation problems first, then loop notices', () => {
    const view = toWeightsView(
      buildReport(5, [
        {
          namespace: 'a',
          name: 'b',
          problems: [{ annotation: 'weir.dev/half-life', value: 'soon', reason: 'is not a duration' }],
          notices: ['profile "fast" is unknown; using "default"'],
          endpoints: [],
        },
      ]),
    );
    expect(view.services[0]!.problems).toEqual([
      {
        source: 'annotation',
        message: 'weir.dev/half-life: "soon" is not a duration',
        annotation: 'weir.dev/half-life',
        value: 'soon',
      },
      { source: 'loop', message: 'profile "fast" is unknown; using "default"' },
    ]);
  });

  test('drops non-finite signals and gives byte-identical JSON for identical reports', () => {
    const make = () =>
      buildReport(7, [
        {
          namespace: 'n',
          name: 's',
          endpoints: [
            { address: '10.0.0.2', weight: 5, latencyMs: Number.NaN, errorRatio: 0.01 },
            { address: '10.0.0.1', weight: 5, latencyMs: Number.POSITIVE_INFINITY },
          ],
        },
      ]);
    const a = JSON.stringify(toWeightsView(make()));
    const b = JSON.stringify(toWeightsView(make()));
    expect(a).toBe(b);
    const view = toWeightsView(make());
    expect(view.services[0]!.endpoints.map((e) => e.signals)).toEqual([{}, { errorRatio: 0.01 }]);
  });

  test('a service with weights but not (yet) in the topology takes its names from the id', () => {
    const report = buildReport(1, [{ namespace: 'x', name: 'y', endpoints: [{ address: '10.1.1.1', weight: 1 }] }]);
    const view = toWeightsView({ ...report, topology: { services: new Map() } });
    expect(view.services[0]).toMatchObject({ id: 'x/y', namespace: 'x', name: 'y', clusters: [], problems: [] });
    expect(view.services[0]!.endpoints[0]).toMatchObject({ pod: '', zone: '' });
  });
});
