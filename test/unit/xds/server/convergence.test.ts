import { describe, expect, test } from 'vitest';
import { ConvergenceTracker } from '../../../../src/xds/server/convergence.js';
import { TYPE_URL } from '../../../../src/xds/types.js';

const EDS = TYPE_URL.ENDPOINT;

describe('convergence tracker', () => {
  test('a round completes when every stream sent the version has ACKed it, after the fan-out', () => {
    const seen: number[] = [];
    const t = new ConvergenceTracker((_type, s) => seen.push(s));
    t.bump('envoy', EDS, '2', performance.now());
    t.expect(1, 'envoy', EDS, '2');
    t.expect(2, 'envoy', EDS, '2');
    t.seal('envoy');
    t.done(1, 'envoy', EDS, '2');
    expect(seen).toHaveLength(0);
    t.done(2, 'envoy', EDS, '1'); // an older version does not count
    expect(seen).toHaveLength(0);
    t.forget(2, 'envoy'); // the stream closed
    expect(seen).toHaveLength(1);
  });

  test('a newer bump abandons the unfinished round; other kinds are separate', () => {
    const seen: string[] = [];
    const t = new ConvergenceTracker((type) => seen.push(type));
    t.bump('envoy', EDS, '2', 0);
    t.expect(1, 'envoy', EDS, '2');
    t.seal('envoy');
    t.bump('envoy', EDS, '3', 0);
    t.done(1, 'envoy', EDS, '2');
    t.bump('grpc', EDS, '5', 0);
    t.expect(7, 'grpc', EDS, '5');
    t.seal('grpc');
    expect(seen).toEqual([]);
    t.done(7, 'grpc', EDS, '5');
    expect(seen).toEqual([EDS]);
  });

  test('a round no stream took part in is not observed', () => {
    const seen: string[] = [];
    const t = new ConvergenceTracker((type) => seen.push(type));
    t.bump('grpc', EDS, '1', 0);
    t.seal('grpc');
    expect(seen).toEqual([]);
  });
});
