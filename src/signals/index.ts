/**
 * The signals layer: a Prometheus query client, the signal profiles (PromQL templates
 * chosen per Service with `weir.dev/profile`) and the MetricsSource built on them.
 */
export { createPrometheusClient, type PrometheusClient, type PrometheusClientOptions, type QueryOptions } from './prometheus-client.js';
export { PrometheusQueryError, type InstantVector, type QueryFailureReason, type VectorSample } from './query-answer.js';
export { BUILTIN_PROFILES, DEFAULT_QUANTILE, customSignalSpecs, loadProfiles, parseProfiles } from './profiles.js';
export { STANDARD_SIGNALS, type ProfileSignal, type Profiles, type SeriesLabels, type SignalProfile, type StandardSignal } from './profile-types.js';
export { PrometheusMetricsSource, promqlDuration, type PrometheusMetricsSourceOptions, type SignalProblem } from './metrics-source.js';
export { EndpointIndex, canonicalAddress, instanceHost, type JoinTarget } from './endpoint-join.js';
