/**
 * Validation of answers of the Prometheus instant-query API (`/api/v1/query`), as spoken
 * by Prometheus, Thanos, Mimir and VictoriaMetrics. Extra fields (`warnings`, `infos`,
 * `stats`, `isPartial`) are tolerated; sample values are strings that may be "NaN",
 * "+Inf" or "-Inf" and are returned as such (numbers), for the caller to treat as
 * "no data". Anything else that is not a well-formed vector is a failure.
 * See https://prometheus.io/docs/prometheus/latest/querying/api/#expression-query-result-formats
 */
import { z } from 'zod';
import { ERROR_CODES, WeirError } from '../lib/errors.js';

/** Why a query failed, as counted in `weir_prometheus_query_errors_total{reason}`. */
export type QueryFailureReason = 'timeout' | 'aborted' | 'unreachable' | 'http-status' | 'bad-response';

/** A failed query: code PROMETHEUS_QUERY_FAILED, with the query and a reason to branch on. */
export class PrometheusQueryError extends WeirError {
  readonly reason: QueryFailureReason;
  readonly query: string;
  /** The HTTP status, when the server answered. */
  readonly status: number | undefined;

  constructor(reason: QueryFailureReason, query: string, message: string, options: { cause?: unknown; status?: number } = {}) {
    super(ERROR_CODES.PROMETHEUS_QUERY_FAILED, `Prometheus query failed (${reason}): ${message}`, {
      cause: options.cause,
      details: [`query: ${query}`],
    });
    this.reason = reason;
    this.query = query;
    this.status = options.status;
  }
}

/** One series of an instant vector. `value` may be NaN or ±Infinity. */
export interface VectorSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A validated instant-query answer. */
export interface InstantVector {
  readonly samples: readonly VectorSample[];
  /** Warnings the server attached (partial answers of Thanos/Mimir, for example). */
  readonly warnings: readonly string[];
}

const sampleValue = z.tuple([z.number(), z.string()]);
const vectorSample = z.object({
  metric: z.record(z.string(), z.string()),
  // Native-histogram samples carry `histogram` instead of `value`: no float to use.
  value: sampleValue.optional(),
  histogram: z.unknown().optional(),
});
const successAnswer = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.string(),
    result: z.unknown(),
  }),
  warnings: z.array(z.string()).optional(),
});
const errorAnswer = z.object({
  status: z.literal('error'),
  errorType: z.string().optional(),
  error: z.string().optional(),
});

/** Parse a sample value string as Prometheus writes it ("1.5", "NaN", "+Inf", "-Inf"). */
export function parseSampleValue(text: string): number {
  switch (text) {
    case 'NaN':
      return Number.NaN;
    case '+Inf':
    case 'Inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
      return Number.NEGATIVE_INFINITY;
    default: {
      // Number('') is 0 and Number(' 1 ') is 1: refuse both, they are not PromQL output.
      const n = text.trim() === text && text !== '' ? Number(text) : Number.NaN;
      return n;
    }
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/**
 * Validate one answer. `status` is the HTTP status, `body` the raw text. Returns the
 * vector or throws a {@link PrometheusQueryError} naming the query and the cause.
 */
export function parseInstantAnswer(query: string, status: number, body: string): InstantVector {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (cause) {
    const reason = status >= 200 && status < 300 ? 'bad-response' : 'http-status';
    throw new PrometheusQueryError(reason, query, `HTTP ${status}, body is not JSON: ${JSON.stringify(body.slice(0, 120))}`, {
      cause,
      status,
    });
  }
  const failed = errorAnswer.safeParse(json);
  if (failed.success) {
    const what = [failed.data.errorType, failed.data.error].filter(Boolean).join(': ') || 'no error message';
    throw new PrometheusQueryError(status >= 200 && status < 300 ? 'bad-response' : 'http-status', query, `HTTP ${status}, ${what}`, {
      status,
    });
  }
  if (status < 200 || status >= 300) {
    throw new PrometheusQueryError('http-status', query, `HTTP ${status}: ${JSON.stringify(body.slice(0, 120))}`, { status });
  }
  const answer = successAnswer.safeParse(json);
  if (!answer.success) {
    throw new PrometheusQueryError('bad-response', query, `not a query answer: ${describeIssues(answer.error)}`, { status });
  }
  if (answer.data.data.resultType !== 'vector') {
    throw new PrometheusQueryError(
      'bad-response',
      query,
      `expected resultType "vector", got ${JSON.stringify(answer.data.data.resultType)}: the template must return an instant vector`,
      { status },
    );
  }
  const result = z.array(vectorSample).safeParse(answer.data.data.result);
  if (!result.success) {
    throw new PrometheusQueryError('bad-response', query, `malformed vector: ${describeIssues(result.error)}`, { status });
  }
  const samples: VectorSample[] = [];
  for (const s of result.data) {
    if (s.value === undefined) continue;
    samples.push({ labels: s.metric, value: parseSampleValue(s.value[1]) });
  }
  return { samples, warnings: answer.data.warnings ?? [] };
}
