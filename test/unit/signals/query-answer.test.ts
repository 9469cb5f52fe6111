import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../../src/lib/errors.js';
import { PrometheusQueryError, parseInstantAnswer, parseSampleValue } from '../../../src/signals/query-answer.js';

const Q = 'up';

function vector(result: unknown, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ status: 'success', data: { resultType: 'vector', result }, ...extra });
}

function failure(status: number, body: string): PrometheusQueryError {
  try {
    parseInstantAnswer(Q, status, body);
  } catch (err) {
    if (err instanceof PrometheusQueryError) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

describe('parseInstantAnswer', () => {
  it('returns labels and values, keeping NaN and infinities for the caller', () => {
    const v = parseInstantAnswer(
      Q,
      200,
      vector([
        { metric: { pod: 'a' }, value: [1700000000.123, '0.25'] },
        { metric: { pod: 'b' }, value: [1700000000, 'NaN'] },
        { metric: { pod: 'c' }, value: [1700000000, '+Inf'] },
        { metric: { pod: 'd' }, value: [1700000000, '-Inf'] },
        { metric: { pod: 'e' }, value: [1700000000, '1e-3'] },
      ]),
    );
    expect(v.samples.map((s) => [s.labels.pod, s.value])).toEqual([
      ['a', 0.25],
      ['b', Number.NaN],
      ['c', Number.POSITIVE_INFINITY],
      ['d', Number.NEGATIVE_INFINITY],
      ['e', 0.001],
    ]);
    expect(v.warnings).toEqual([]);
  });

  it('tolerates the extras of Thanos, Mimir and VictoriaMetrics', () => {
    const v = parseInstantAnswer(
      Q,
      200,
      vector([{ metric: {}, value: [1, '2'] }, { metric: { x: 'native' }, histogram: [1, { count: '3' }] }], {
        warnings: ['partial response'],
        infos: ['x'],
        isPartial: true,
        stats: { seriesFetched: '1' },
      }),
    );
    expect(v.samples).toEqual([{ labels: {}, value: 2 }]);
    expect(v.warnings).toEqual(['partial response']);
  });

  it('accepts an empty vector', () => {
    expect(parseInstantAnswer(Q, 200, vector([])).samples).toEqual([]);
  });

  it('fails on garbage, naming the query', () => {
    const err = failure(200, '<html>proxy error</html>');
    expect(err.code).toBe(ERROR_CODES.PROMETHEUS_QUERY_FAILED);
    expect(err.reason).toBe('bad-response');
    expect(err.query).toBe(Q);
    expect(err.details).toEqual(['query: up']);
  });

  it('fails on error answers and non-2xx statuses', () => {
    const bad = failure(400, JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error at char 3' }));
    expect(bad.reason).toBe('http-status');
    expect(bad.status).toBe(400);
    expect(bad.message).toMatch(/bad_data: parse error/);
    expect(failure(503, 'upstream unavailable').reason).toBe('http-status');
    expect(failure(500, vector([])).reason).toBe('http-status');
  });

  it('fails on answers that are not instant vectors', () => {
    expect(failure(200, JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [1, '1'] } })).message).toMatch(
      /expected resultType "vector"/,
    );
    expect(failure(200, JSON.stringify({ status: 'success' })).reason).toBe('bad-response');
    expect(failure(200, vector([{ metric: { pod: 1 }, value: [1, '1'] }])).message).toMatch(/malformed vector/);
    expect(failure(200, vector([{ metric: {}, value: [1, 1] }])).reason).toBe('bad-response');
    expect(failure(200, 'null').reason).toBe('bad-response');
  });
});

describe('parseSampleValue', () => {
  it('reads what Prometheus writes and nothing else', () => {
    expect(parseSampleValue('12.5')).toBe(12.5);
    expect(parseSampleValue('Inf')).toBe(Number.POSITIVE_INFINITY);
    expect(parseSampleValue('')).toBeNaN();
    expect(parseSampleValue(' 1')).toBeNaN();
    expect(parseSampleValue('abc')).toBeNaN();
  });
});
