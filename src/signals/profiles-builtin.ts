/**
 * The profiles weir ships, written in the same shape as the operator's YAML and validated
 * by the same code at start-up. docs/profiles.md explains each one and its limits.
 *
 * Every template aggregates to one series per endpoint (`sum by` the namespace, service
 * and endpoint labels), so that one query serves all the services of the profile.
 */
import type { ProfileSource } from './profiles.js';

/** The labels every template aggregates by: one series per endpoint. */
export const BY = '{{namespaceLabel}}, {{serviceLabel}}, {{endpointLabel}}';
/** The matchers that select a profile's Services. */
export const SVC = '{{namespaceLabel}}=~"{{namespace}}", {{serviceLabel}}=~"{{service}}"';

/** Error ratio over `total` with `errors` (selectors), yielding 0 when no error series exist yet. */
function errorRatio(errors: string, total: string): string {
  // `or 0 * total`: an endpoint with traffic but no error series yet (prom-client creates
  // a labelled series only on its first observation) has an error ratio of 0, not "no
  // data". An endpoint without traffic gives 0/0 = NaN, which is "no data".
  return [
    `(`,
    `  sum by (${BY}) (${errors})`,
    `  or`,
    `  0 * sum by (${BY}) (${total})`,
    `)`,
    `/`,
    `sum by (${BY}) (${total})`,
  ].join('\n');
}

const HTTP_COUNT = `rate(http_server_request_duration_seconds_count{${SVC}}[{{window}}])`;
const HTTP_ERRORS = `rate(http_server_request_duration_seconds_count{${SVC}, http_response_status_code=~"5.."}[{{window}}])`;

const http: ProfileSource = {
  description: 'HTTP server histograms in seconds (prom-client / OpenTelemetry semantic conventions)',
  latency: {
    query: `histogram_quantile({{quantile}}, sum by (${BY}, le) (rate(http_server_request_duration_seconds_bucket{${SVC}}[{{window}}])))`,
    unit: 'seconds',
  },
  errorRatio: errorRatio(HTTP_ERRORS, HTTP_COUNT),
  requestRate: `sum by (${BY}) (${HTTP_COUNT})`,
  inflight: `sum by (${BY}) (http_server_active_requests{${SVC}})`,
};

// cAdvisor (kubelet) usage over kube-state-metrics limits, summed per pod over the
// containers that have a limit: usage of unlimited containers is left out of both sides.
// cAdvisor is usually scraped every 15-30 s, hence the longer window. Series carry no
// service label, so the join is on namespace and pod alone.
const POD_LABELS = { service: '', endpoint: 'pod', match: 'pod' } as const;
const NS = '{{namespaceLabel}}=~"{{namespace}}"';
const POD_BY = '{{namespaceLabel}}, {{endpointLabel}}';
function utilisation(usage: string, resource: 'cpu' | 'memory'): string {
  const limits = `kube_pod_container_resource_limits{${NS}, resource="${resource}"}`;
  return [
    `sum by (${POD_BY}) (`,
    `  ${usage}`,
    `  and on (${POD_BY}, container) ${limits}`,
    `)`,
    `/`,
    `sum by (${POD_BY}) (${limits})`,
  ].join('\n');
}
const cpu = {
  query: utilisation(`rate(container_cpu_usage_seconds_total{${NS}, container!="", container!="POD"}[{{window}}])`, 'cpu'),
  labels: POD_LABELS,
  window: '1m',
};
const memory = {
  query: utilisation(`container_memory_working_set_bytes{${NS}, container!="", container!="POD"}`, 'memory'),
  labels: POD_LABELS,
};

// Istio standard metrics as reported by the destination's sidecar (reporter="destination"):
// those series are scraped from the destination pod, so the scrape's `pod` label names
// the endpoint. Client-side series (reporter="source") name no destination pod.
const ISTIO_SVC = `reporter="destination", {{namespaceLabel}}=~"{{namespace}}", {{serviceLabel}}=~"{{service}}"`;
const ISTIO_COUNT = `rate(istio_requests_total{${ISTIO_SVC}}[{{window}}])`;
// HTTP 5xx, or a gRPC failure that still travels as HTTP 200 (UNKNOWN, DEADLINE_EXCEEDED,
// INTERNAL, UNAVAILABLE, DATA_LOSS).
const ISTIO_ERRORS = [
  `(`,
  `    rate(istio_requests_total{${ISTIO_SVC}, response_code=~"5.."}[{{window}}])`,
  `    or rate(istio_requests_total{${ISTIO_SVC}, response_code!~"5..", grpc_response_status=~"2|4|13|14|15"}[{{window}}])`,
  `  )`,
].join('\n');

const istio: ProfileSource = {
  description: 'Istio standard metrics (server side), with cAdvisor and kube-state-metrics for CPU and memory',
  labels: { namespace: 'destination_service_namespace', service: 'destination_service_name', endpoint: 'pod' },
  latency: {
    query: `histogram_quantile({{quantile}}, sum by (${BY}, le) (rate(istio_request_duration_milliseconds_bucket{${ISTIO_SVC}}[{{window}}])))`,
    unit: 'milliseconds',
  },
  errorRatio: errorRatio(ISTIO_ERRORS, ISTIO_COUNT),
  requestRate: `sum by (${BY}) (${ISTIO_COUNT})`,
  cpu: { ...cpu, labels: { ...POD_LABELS, namespace: 'namespace' } },
  memory: { ...memory, labels: { ...POD_LABELS, namespace: 'namespace' } },
};

/** Raw built-in profiles by name. */
export const BUILTIN_PROFILE_SOURCES: Readonly<Record<string, ProfileSource>> = Object.freeze({
  default: http,
  kubernetes: { ...http, description: `${http.description}, with cAdvisor and kube-state-metrics for CPU and memory`, cpu, memory },
  cadvisor: { description: 'CPU and memory utilisation of the pod limits: cAdvisor and kube-state-metrics', cpu, memory },
  istio,
});
