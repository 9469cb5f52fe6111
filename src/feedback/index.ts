/**
 * The feedback engine: a pure function from (topology, samples, previous state, now) to
 * integer weights, the next state and a decision with a reason for every change. No
 * clock, no I/O, no randomness: time comes in as `now`. docs/feedback.md explains the
 * design and the defaults.
 */
export type { EngineInput, EngineOutput } from './engine.js';
export { runEngine } from './engine.js';
export type { EngineState, EndpointColumns, EndpointMemory, ServiceMemory, SmoothedMemory, Freshness } from './state.js';
export { INITIAL_ENGINE_STATE } from './state.js';
export { seedState } from './takeover.js';
export { FAIR_WEIGHT } from './quantise.js';
