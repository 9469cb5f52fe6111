/**
 * Resolved signal profiles: what the operator's YAML (and the built-ins) turn into once
 * validated. Immutable; every template is already parsed.
 */
import type { CustomSignalSpec } from '../model/index.js';
import type { PromqlTemplate } from './promql-template.js';

/** The standard signals of a profile, in the order they are queried and reported. */
export const STANDARD_SIGNALS = ['latency', 'errorRatio', 'requestRate', 'inflight', 'cpu', 'memory'] as const;
export type StandardSignal = (typeof STANDARD_SIGNALS)[number];

/**
 * How series are joined to endpoints. `endpoint` names the label that identifies the
 * endpoint; `match` says whether its value is a pod name (`pod`) or an `ip:port` /
 * `[ipv6]:port` / bare IP address (`address`, matched on the IP only). `namespace` and
 * `service` name the labels that carry the Service's namespace and name; '' for a
 * signal whose series carry no such label (cAdvisor series have no service label): the
 * join then falls back to the endpoint alone.
 */
export interface SeriesLabels {
  readonly namespace: string;
  readonly service: string;
  readonly endpoint: string;
  readonly match: 'pod' | 'address';
}

/** One query of a profile: a standard signal or a custom one. */
export interface ProfileSignal {
  /** `latency`, `errorRatio`, …, or `custom`. */
  readonly kind: StandardSignal | 'custom';
  /** The metric label `signal`: the standard name, or `custom:<name>`. */
  readonly id: string;
  /** For custom signals, the name under which the value is reported. */
  readonly name: string;
  readonly template: PromqlTemplate;
  readonly labels: SeriesLabels;
  /** The `{{window}}` of this signal (a PromQL duration); the source's window when absent. */
  readonly window?: string;
  /** Factor applied to each value (1000 for a latency template in seconds). */
  readonly scale: number;
}

/** A validated profile. */
export interface SignalProfile {
  readonly name: string;
  /** True for the profiles weir ships (see docs/profiles.md). */
  readonly builtin: boolean;
  /** The latency quantile, 0..1, seen by templates as `{{quantile}}`. */
  readonly quantile: number;
  /** Standard signals first (in STANDARD_SIGNALS order), then custom ones by name. */
  readonly signals: readonly ProfileSignal[];
  /** The profile's custom signals, sorted by name, as the engine needs them. */
  readonly custom: readonly CustomSignalSpec[];
}

/** Profiles by name. */
export type Profiles = ReadonlyMap<string, SignalProfile>;
