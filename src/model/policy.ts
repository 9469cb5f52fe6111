import type { ServicePolicy } from './service.js';

/**
 * The defaults and bounds of every per-Service knob. The annotation parser clamps
 * nothing: a value out of bounds is rejected (the knob keeps its default) and reported.
 * The README's annotation table is written from this file.
 */
export const DEFAULT_POLICY: ServicePolicy = Object.freeze({
  mode: 'enforce',
  profile: 'default',
  lbPolicy: 'least-request',
  latencyTargetMs: 250,
  errorThreshold: 0.1,
  halfLifeMs: 2_000,
  weightFloor: 0.01,
  maxStep: 0.5,
  panicThreshold: 0.5,
  maxEjection: 0.3,
  slowStartMs: 10_000,
});

/** Inclusive bounds of the numeric knobs, in the knob's own unit. */
export const POLICY_BOUNDS = Object.freeze({
  latencyTargetMs: { min: 1, max: 60_000 },
  errorThreshold: { min: 0.001, max: 1 },
  halfLifeMs: { min: 100, max: 300_000 },
  weightFloor: { min: 0.01, max: 1 },
  maxStep: { min: 0.05, max: 1 },
  panicThreshold: { min: 0.05, max: 1 },
  maxEjection: { min: 0, max: 1 },
  slowStartMs: { min: 0, max: 600_000 },
} satisfies Record<string, { min: number; max: number }>);
